"""The systemd units a deployment writes where systemd is PID 1 (the classroom VM): this machine has no systemd,
so the deployment test runs the same specs through the pid-file fallback; here is what systemd would be given."""

from __future__ import annotations

import shlex

from lab.deploy.classroom import dashboard_spec
from lab.deploy.tasks import DeployOptions


def unit_lines(text: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            lines.setdefault(key, []).append(value)
    return lines


def test_dashboard_unit_runs_stacklab_dashboard_with_horizons_python() -> None:
    options = DeployOptions()
    spec = dashboard_spec(options)
    assert spec.unit_path == "/etc/systemd/system/stacklab-dashboard.service"
    unit = unit_lines(spec.unit_text())
    assert shlex.split(unit["ExecStart"][0]) == [
        "/opt/stacklab/venv/bin/stacklab", "--config", "/etc/stacklab/stacklab.yaml", "dashboard",
        "--dashboard-port", "8781"]
    # Horizon's own venv, not StackLab's; the settings and sessions in the data directory it works in.
    assert shlex.split(unit["Environment"][0]) == ["STACKLAB_DASHBOARD_PYTHON=/opt/stacklab/venv-dashboard/bin/python"]
    assert unit["User"] == ["stacklab"] and unit["WorkingDirectory"] == ["/var/lib/stacklab"]
    assert unit["WantedBy"] == ["multi-user.target"] and unit["Restart"] == ["on-failure"]


def test_dashboard_unit_follows_the_options() -> None:
    options = DeployOptions(prefix="/srv/lab", config_path="/srv/lab/lab.yaml", data_dir="/srv/state",
                            dashboard_port=9781, libvirt=True)
    unit = unit_lines(dashboard_spec(options).unit_text())
    assert shlex.split(unit["ExecStart"][0])[-1] == "9781"
    assert "/srv/lab/lab.yaml" in unit["ExecStart"][0]
    assert unit["Environment"] == ["STACKLAB_DASHBOARD_PYTHON=/srv/lab/venv-dashboard/bin/python"]
    assert unit["User"] == ["root"]  # with the libvirt driver everything runs as root, like the API
