"""A wrong but plausible solution of lab 1.12: alice gets no role of her own on team, only the group's reader
(she may look but not make her network). Its checks must fail."""

import importlib.util
from pathlib import Path

FAILS = ("user_role",)


def solve(env):
    spec = importlib.util.spec_from_file_location("lab112_solution", Path(__file__).with_name("solution.py"))
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    solution.solve(env, alice_role=None)
