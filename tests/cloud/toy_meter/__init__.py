"""A toy service for the billing tests: a plugin that declares one meter and nothing else billing knows of."""
