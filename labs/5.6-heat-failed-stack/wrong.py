"""A wrong but plausible solution of lab 5.6: the stack deleted and made again from the fixed template, so its
events hold no failure to learn from. Its checks must fail."""

FAILS = ("fixed", "failed_first")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).parent
ENVIRONMENT = [str(HERE / "env.yaml")]


def solve(env):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as fixed:
        fixed.write((HERE / "shop.yaml").read_text() + (HERE / "fix.yaml").read_text())
        fixed.flush()
        env.conn.create_stack("shop", template_file=fixed.name, environment_files=ENVIRONMENT, wait=True)
