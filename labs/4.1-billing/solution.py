"""Reference solution for lab 4.1."""

import importlib.util
from pathlib import Path


def _checks():
    spec = importlib.util.spec_from_file_location("lab41_checks", Path(__file__).with_name("checks.py"))
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    return checks


def solve(env):
    server = env.boot("lab-billed")
    env.conn.compute.delete_server(server)
    env.wait(lambda: env.server("lab-billed"), lambda s: s is None, "lab-billed to go")
    cost = _checks().server_cost(env, "lab-billed")
    env.conn.image.create_image(name="bill-answers", disk_format="raw", container_format="bare",
                                lab_billed_cost=str(cost), allow_duplicates=True)
