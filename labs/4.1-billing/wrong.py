"""A wrong but plausible solution of lab 4.1: lab-billed's cost read off the bill and recorded while the
server still runs (so the bill has moved on by the time it is checked). Its checks must fail."""

import importlib.util
from pathlib import Path

FAILS = ("deleted",)


def solve(env):
    spec = importlib.util.spec_from_file_location("lab41_checks", Path(__file__).with_name("checks.py"))
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    env.boot("lab-billed")
    env.conn.image.create_image(name="bill-answers", disk_format="raw", container_format="bare",
                                lab_billed_cost=str(checks.server_cost(env, "lab-billed")), allow_duplicates=True)
