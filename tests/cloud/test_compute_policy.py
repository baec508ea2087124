"""Compute's decisions go through its policy rules (Nova's names), so a `policy.yaml` in the data directory
changes them: the ones that once were hand-written role tests (host attributes shown to admins, another
project's limits, an operator's view of the hypervisors) as well as the plain ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.config import Settings
from tests.cloud.compute_support import API, create_server, project_id, reader_headers

OVERRIDES = {
    # Readers of a project may import key pairs of their own (Nova's default: any user of the project).
    "os_compute_api:os-keypairs:create": "rule:project_reader_api and rule:owner",
    # The host attributes for everyone who may read the server.
    "os_compute_api:os-extended-server-attributes": "rule:project_reader_or_admin",
    # Members may list the hypervisors, and name another project's limits.
    "os_compute_api:os-hypervisors:list": "rule:project_member_or_admin",
    "os_compute_api:limits:other_project": "role:member",
    # Nobody deletes servers, not even an admin.
    "os_compute_api:servers:delete": "!",
}


@pytest.fixture
def cloud(settings: Settings) -> Iterator[Cloud]:
    """The lab with the overrides above in its policy.yaml (read when the cloud starts)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "policy.yaml").write_text(yaml.safe_dump(OVERRIDES))
    cloud = Cloud(settings)
    cloud.bootstrap()
    yield cloud
    cloud.close()


def test_policy_yaml_reaches_compute_decisions(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                               as_admin: dict[str, str]) -> None:
    as_reader = reader_headers(client, cloud)
    r = client.post(f"{API}/os-keypairs", headers=as_reader, json={"keypair": {"name": "mine"}})
    assert r.status_code == 200, r.text

    server = create_server(client, cloud, as_demo)
    assert "OS-EXT-SRV-ATTR:host" in server  # shown to a member of the project now
    assert "OS-EXT-SRV-ATTR:host" in client.get(f"{API}/servers/detail", headers=as_reader).json()["servers"][0]

    assert client.get(f"{API}/os-hypervisors", headers=as_demo).status_code == 200
    assert client.get(f"{API}/os-hypervisors", headers=as_reader).status_code == 403

    admin = project_id(client, as_admin)
    client.put(f"{API}/os-quota-sets/{admin}", headers=as_admin, json={"quota_set": {"instances": 3}})
    theirs = client.get(f"{API}/limits?tenant_id={admin}", headers=as_demo).json()["limits"]["absolute"]
    assert theirs["maxTotalInstances"] == 3 and theirs["totalInstancesUsed"] == 0
    # A reader is not a member: `tenant_id` is ignored and the reader's own project's limits are shown.
    own = client.get(f"{API}/limits?tenant_id={admin}", headers=as_reader).json()["limits"]["absolute"]
    assert own["maxTotalInstances"] == 10 and own["totalInstancesUsed"] == 1

    for headers in (as_demo, as_admin):
        denied = client.delete(f"{API}/servers/{server['id']}", headers=headers)
        assert denied.status_code == 403
        assert denied.json()["forbidden"]["message"] == (
            "Policy doesn't allow os_compute_api:servers:delete to be performed.")
    assert client.get(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 200


def test_every_compute_rule_is_named_as_nova_names_it(cloud: Cloud) -> None:
    """No first-release coarse name (`compute:action`) is left, and each rule says what it guards."""
    from lab.cloud.compute.policies import RULES

    assert [r.name for r in RULES if not r.name.startswith("os_compute_api:")] == []
    assert not [name for name in cloud.policy.rules if name.startswith("compute:")]
    assert all(r.description and r.operations for r in RULES)
