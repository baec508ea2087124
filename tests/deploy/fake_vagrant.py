#!/usr/bin/env python3
"""A stand-in `vagrant` executable (the system edge): replays recorded `vagrant` output and logs its arguments.

FAKE_VAGRANT_DIR holds `calls.log` and one file per command: `status.txt` (recorded `status --machine-readable`),
`ssh-config.txt`, `up.txt` (streamed line by line). A command without a file fails like Vagrant does.
"""

import os
import sys
from pathlib import Path

state = Path(os.environ["FAKE_VAGRANT_DIR"])
args = sys.argv[1:]
with (state / "calls.log").open("a") as log:
    log.write(" ".join(args) + "\n")
files = {"status": "status.txt", "ssh-config": "ssh-config.txt", "up": "up.txt", "destroy": "destroy.txt"}
name = files.get(args[0]) if args else None
if name is None or not (state / name).exists():
    sys.stderr.write(f"fake vagrant: nothing recorded for {args}\n")
    sys.exit(1)
for line in (state / name).read_text().splitlines(keepends=True):
    sys.stdout.write(line)
    sys.stdout.flush()
