"""Metrics: a Gnocchi v1 subset (archive policies, resources, metrics, measures), fed by the lab's collector."""
