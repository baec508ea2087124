#!/usr/bin/env bash
# Install OpenStack's tempest into its own virtual environment, .venv-tempest (its dependency tree is large and
# pins versions that must not leak into StackLab's .venv). Idempotent: a stamp file records the installed
# version, so a second run returns at once. Called by tests/tempest/test_tempest.py when the venv is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPEST_VERSION="${TEMPEST_VERSION:-47.0.0}"
# The orchestration service's API tests (heat_tempest_plugin.tests.api, gabbi-based) and load balancing's
# (octavia_tempest_plugin.tests.api.v2) come as tempest plugins, and so do metric's and alarming's
# (telemetry_tempest_plugin: Gnocchi's gabbi files, Aodh's API tests, the Aodh + Gnocchi threshold-alarm gabbi).
HEAT_PLUGIN_VERSION="${HEAT_PLUGIN_VERSION:-3.0.0}"
OCTAVIA_PLUGIN_VERSION="${OCTAVIA_PLUGIN_VERSION:-3.5.0}"
TELEMETRY_PLUGIN_VERSION="${TELEMETRY_PLUGIN_VERSION:-2.11.0}"
VENV=.venv-tempest
stamp="$VENV/.tempest-$TEMPEST_VERSION-heat-$HEAT_PLUGIN_VERSION-octavia-$OCTAVIA_PLUGIN_VERSION"
stamp="$stamp-telemetry-$TELEMETRY_PLUGIN_VERSION"
if [ -f "$stamp" ] && [ -x "$VENV/bin/tempest" ]; then
  exit 0
fi
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "tempest-venv: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "tempest-venv: installing tempest $TEMPEST_VERSION and its plugins into $VENV (a few minutes the first time)"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "tempest==$TEMPEST_VERSION" "heat-tempest-plugin==$HEAT_PLUGIN_VERSION" \
  "octavia-tempest-plugin==$OCTAVIA_PLUGIN_VERSION" "telemetry-tempest-plugin==$TELEMETRY_PLUGIN_VERSION"
rm -f "$VENV"/.tempest-*
touch "$stamp"
