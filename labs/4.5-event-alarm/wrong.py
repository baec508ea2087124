"""A wrong but plausible solution of lab 4.5: the event alarm has no query, so it would fire on the deletion of
any of the project's servers, not the one it is meant to watch. Its checks must fail."""

import importlib.util
from pathlib import Path

FAILS = ("alarm", "deleted")


def solve(env):
    spec = importlib.util.spec_from_file_location("lab45_solution", Path(__file__).with_name("solution.py"))
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    server = env.boot("lab-doomed")
    solution.alarm_on(env, [])
    env.conn.compute.delete_server(server)
    env.conn.compute.wait_for_delete(server, wait=120)
