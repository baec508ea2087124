"""A wrong but plausible solution of lab 3.8: the 5 MB file uploaded in one piece (`openstack object create`
does no segments), so it is not a large object."""

import os

FAILS = ("segmented", "whole")


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-big")
    store.upload_object(container="lab-big", name="big.bin", data=os.urandom(5_000_000))
