"""The object storage service (Swift v1 API): accounts, containers and objects, stored as files."""
