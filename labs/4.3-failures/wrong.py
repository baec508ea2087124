"""A wrong but plausible solution of lab 4.3: no failed build at all, just a working server with a made-up
fault message. Its checks must fail."""

FAILS = ("failed", "fault_seen", "cleaned")


def solve(env):
    env.boot("lab-fixed", metadata={"fault_seen": "the build failed"})
