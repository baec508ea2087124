"""A wrong but plausible solution of lab 3.5: lab-grow made at 2 GB straight away (the end state looks the
same, but nothing was extended). Its checks must fail."""

FAILS = ("extended",)


def solve(env):
    env.wait_volume(env.conn.block_storage.create_volume(name="lab-grow", size=2))
