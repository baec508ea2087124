"""The orchestration service (Heat API v1): stacks of resources made from HOT templates, see engine.py."""
