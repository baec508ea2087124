"""StackLab: an all-in-one OpenStack training cloud and learning lab."""
