"""A wrong but plausible solution of lab 4.4: the alarm is right but the server was never made busy, so the
evaluator finds its CPU below the threshold and the alarm goes to `ok`, never `alarm`. Its checks must fail."""

import importlib.util
from pathlib import Path

FAILS = ("fired",)


def solve(env):
    spec = importlib.util.spec_from_file_location("lab44_solution", Path(__file__).with_name("solution.py"))
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    server = env.boot("lab-busy")
    metric = {"service_type": "metric", "interface": "public"}
    env.wait(lambda: env.conn.session.get(f"/v1/resource/instance/{server.id}", endpoint_filter=metric,
                                          raise_exc=False).status_code, lambda code: code == 200,
             "lab-busy's metric resource")
    solution.alarm_on(env, server)
