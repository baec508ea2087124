"""A wrong but plausible solution of lab 1.5: the server boots, but its metadata says role=webserver.
Its checks must fail."""

FAILS = ("metadata",)


def solve(env):
    env.boot("lab-web", metadata={"role": "webserver"})
