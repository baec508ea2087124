"""The lab admin API (`/lab/v1`): what an instructor operates on the lab itself, beside the OpenStack APIs
(the lab clock now; snapshots and resets later). Admin-only by policy; errors in Keystone's style."""
