"""A wrong but plausible solution of lab 2.7: the pool without a health monitor. The stopped lab-web2 stays in
rotation (NO_MONITOR), so half the requests fail and the load balancer never shows DEGRADED."""

import importlib.util
from pathlib import Path

FAILS = ("monitor", "degraded", "traffic")


def solve(env):
    spec = importlib.util.spec_from_file_location("lab27_solution", Path(__file__).with_name("solution.py"))
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    solution.build(env, monitor=False)
