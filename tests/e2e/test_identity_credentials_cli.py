"""Keystone's credentials with the real `openstack` CLI against a live cloud: `credential create/list/show/set/
delete` and `ec2 credentials create/list/show/delete`, and the blob encrypted at rest under the data dir."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli(live: LiveCloud, *args: str, user: str = "admin") -> Any:
    out = live.openstack(*args, "-f", "json", user=user).stdout
    return json.loads(out) if out.strip() else None


def test_credentials_and_ec2_credentials(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    secret = unique("totp-seed")
    made = cli(live_cloud, "credential", "create", "--type", "totp", "demo", secret)
    assert made["type"] == "totp" and made["blob"] == secret
    assert cli(live_cloud, "credential", "show", made["id"])["blob"] == secret
    live_cloud.openstack("credential", "set", "--user", "demo", "--type", "totp", "--data", secret + "-2",
                         made["id"])
    assert cli(live_cloud, "credential", "show", made["id"])["blob"] == secret + "-2"
    # a member lists its own credentials
    assert made["id"] in {c["ID"] for c in cli(live_cloud, "credential", "list", user="demo")}

    ec2 = cli(live_cloud, "ec2", "credentials", "create", user="demo")
    assert len(ec2["access"]) == 32 and len(ec2["secret"]) == 32
    listed = cli(live_cloud, "ec2", "credentials", "list", user="demo")
    assert ec2["access"] in {c["Access"] for c in listed}
    shown = cli(live_cloud, "ec2", "credentials", "show", ec2["access"], user="demo")
    assert shown["secret"] == ec2["secret"]
    as_credentials = cli(live_cloud, "credential", "list", "--type", "ec2")
    assert any(ec2["access"] in str(c) for c in as_credentials)

    # at rest: the key file is the lab's only, and the database holds no secret in the clear
    key = live_cloud.data_dir / "credential-keys" / "0"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    dump = "\n".join(sqlite3.connect(live_cloud.data_dir / "stacklab.db").iterdump())
    assert ec2["secret"] not in dump and secret not in dump

    live_cloud.openstack("ec2", "credentials", "delete", ec2["access"], user="demo")
    gone = live_cloud.openstack("ec2", "credentials", "show", ec2["access"], user="demo", check=False)
    assert gone.returncode != 0 and "Could not find credential" in gone.stderr
    live_cloud.openstack("credential", "delete", made["id"])
    assert made["id"] not in {c["ID"] for c in cli(live_cloud, "credential", "list")}
