"""Reference solution for lab 5.4: the template in the lab's folder, created with count=2, then updated to 3."""

from pathlib import Path

TEMPLATE = str(Path(__file__).parent / "web.yaml")


def solve(env):
    env.conn.create_stack("web", template_file=TEMPLATE, wait=True, count=2)
    env.conn.update_stack("web", template_file=TEMPLATE, wait=True, count=3)
