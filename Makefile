# One command surface, the same here and in CI. `make up` starts the lab; `make test` runs every check.
.PHONY: setup up dashboard test lint docs bench parity-record

# Install apt packages and the .venv (idempotent).
setup:
	@scripts/setup.sh

# Start the cloud in the foreground on 127.0.0.1:8780 (see `stacklab up --help`).
up: setup
	.venv/bin/stacklab up

# The cloud and the OpenStack dashboard (Horizon) beside it, on http://127.0.0.1:8781 (see `stacklab dashboard`).
dashboard: setup
	.venv/bin/stacklab up --dashboard

# Lint, type-check and run the whole test suite, in two processes (pytest-xdist hands out whole test files, so a
# file's module fixtures, such as its own live lab, stay in one process; the machine has two cores).
test: setup lint
	.venv/bin/pytest -n 2 --dist loadfile --no-loadscope-reorder

# Style and types only.
lint:
	.venv/bin/ruff check lab tests bench
	.venv/bin/mypy

# Serve the course and reference site (course/, mkdocs-material) on http://127.0.0.1:8000.
docs: setup
	.venv/bin/mkdocs serve

# Latency, start-up and memory figures against a hello-world floor and moto (installs the `bench` extra).
bench: setup
	.venv/bin/pip install -q -e ".[bench]"
	.venv/bin/python bench/api_latency.py

# Re-record the parity scenarios (tests/parity/recordings/) against the reference cloud, a real OpenStack Zed
# started beforehand with ../shared/reference-cloud/setup.sh; REF_HOME is where it keeps its clouds.yaml.
REF_HOME ?= /tmp/refcloud-home
parity-record:
	.venv/bin/python -m tests.parity.record --clouds-yaml $(REF_HOME)/clouds.yaml
