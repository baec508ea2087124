"""A wrong but plausible solution of lab 5.4: the stack is made but never scaled. Its checks must fail."""

FAILS = ("scaled",)

from pathlib import Path  # noqa: E402

TEMPLATE = str(Path(__file__).parent / "web.yaml")


def solve(env):
    env.conn.create_stack("web", template_file=TEMPLATE, wait=True, count=2)
