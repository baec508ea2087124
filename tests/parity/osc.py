"""`python -m tests.parity.osc ARGS...`: the real `openstack` CLI with the capture hook installed; each exchange
is appended as one JSON line to the file named by PARITY_CAPTURE."""

from __future__ import annotations

import json
import os
import sys

from tests.parity.capture import Record, install


def main() -> int:
    path = os.environ["PARITY_CAPTURE"]

    def sink(record: Record) -> None:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")

    install(sink)
    from openstackclient.shell import main as osc_main

    return int(osc_main(sys.argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
