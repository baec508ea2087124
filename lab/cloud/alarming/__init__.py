"""Alarms: an Aodh v2 subset (threshold alarms on the metric service, event and composite alarms), evaluated by
the worker on the lab clock."""
