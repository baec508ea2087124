"""`python -m tests.parity.record`: run the parity scenarios against a cloud named in a clouds.yaml and write
one recording per scenario under tests/parity/recordings/ (`make parity-record` runs it against the reference
cloud). Recordings are generated, reviewed like snapshot files and never edited by hand."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tests.parity.harness import Run
from tests.parity.scenarios import SCENARIOS

RECORDINGS = Path(__file__).resolve().parent / "recordings"


def run_scenarios(config_file: Path, admin: str, demo: str, names: list[str],
                  verbose: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every scenario in `names`, in order, on one run; the exchanges normalised, by scenario."""
    run = Run(config_file, admin, demo)
    run.verbose = verbose
    try:
        for name in names:
            with run.step(name):
                SCENARIOS[name](run)
        exchanges = run.exchanges()
    finally:
        run.close()
    by_scenario: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for exchange in exchanges:
        scenario = exchange["step"].split("/")[0]
        if scenario in by_scenario:
            by_scenario[scenario].append(exchange)
    return by_scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clouds-yaml", type=Path, required=True, help="the clouds.yaml naming the cloud")
    parser.add_argument("--cloud", default="stacklab", help="its admin cloud (default: stacklab)")
    parser.add_argument("--demo-cloud", default="stacklab-demo", help="its demo member (default: stacklab-demo)")
    parser.add_argument("--out", type=Path, default=RECORDINGS)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS), help="default: all, in order")
    args = parser.parse_args(argv)
    recorded = run_scenarios(args.clouds_yaml, args.cloud, args.demo_cloud, args.scenarios, verbose=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, exchanges in recorded.items():
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(exchanges, indent=1, sort_keys=True) + "\n")
        print(f"{path}: {len(exchanges)} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
