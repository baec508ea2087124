"""A wrong but plausible solution of lab 4.7: the groups are made, but the servers are booted without the
`group` hint, so none is a member and lab-a2 runs (the scheduler was never asked). Its checks must fail."""

FAILS = ("apart", "refused", "together")


def solve(env):
    env.conn.compute.create_server_group(name="lab-apart", policy="anti-affinity")
    env.conn.compute.create_server_group(name="lab-together", policy="affinity")
    for name in ("lab-a1", "lab-a2", "lab-t1", "lab-t2"):
        env.boot(name)
