"""The network driver contract, run over every registered network driver (`logical`, and `linux` as root in
a host namespace of its own that the fixture removes), and the sync jobs that feed it from the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.drivers import REGISTRY, load_driver
from lab.cloud.drivers.base import (
    DhcpHost,
    NetworkDriver,
    NetworkSpec,
    PortSecuritySpec,
    RouterPortSpec,
    RouterSpec,
    SubnetSpec,
)
from lab.cloud.drivers.logical import LogicalNetworkDriver
from lab.cloud.network.models import Network, Port, Router
from lab.config import Settings
from tests.cloud.network_helpers import N, create, network_with_subnet
from tests.drivers.linux_host import linux_host


@pytest.fixture(params=sorted(REGISTRY["network"]))
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NetworkDriver]:
    if request.param == "linux":
        with linux_host() as host_ns:
            drv: NetworkDriver = load_driver("network", "linux", Settings(data_dir=tmp_path, linux_host_netns=host_ns))
            drv.start()
            yield drv
            drv.close()
        return
    drv = load_driver("network", request.param, Settings(data_dir=tmp_path))
    drv.start()
    yield drv
    drv.close()


def test_ensure_is_idempotent_and_delete_tolerates_absence(driver: NetworkDriver) -> None:
    spec = NetworkSpec(id="n1", mtu=1450, network_type="vxlan", physical_network=None, segmentation_id=7,
                       external=False, subnets=(SubnetSpec("s1", "10.0.0.0/24", "10.0.0.1", True),))
    driver.ensure_network(spec)
    driver.ensure_network(spec)
    assert driver.list_networks() == ["n1"]
    driver.delete_network("n1")
    driver.delete_network("n1")
    assert driver.list_networks() == []
    driver.ensure_router(RouterSpec(id="r1"))
    driver.delete_router("r1")
    driver.delete_router("r1")
    assert driver.list_routers() == []
    driver.ensure_port_security(PortSecuritySpec("p1", "n1", "fa:16:3e:00:00:01", ("10.0.0.5",)))
    driver.delete_port_security("p1")
    driver.delete_port_security("p1")


def test_agents_are_alive_while_what_they_run_runs(driver: NetworkDriver) -> None:
    """A driver with processes of its own reports Neutron's four agents alive once it has built a network with
    DHCP and a router, and still after deleting them; a driver without (logical) reports none."""
    states = driver.agent_states()
    if states is None:
        assert not driver.capabilities["real_dataplane"]
        return
    net = NetworkSpec(id="n2", mtu=1450, network_type="vxlan", physical_network=None, segmentation_id=9,
                      external=False, subnets=(SubnetSpec("s2", "10.9.0.0/24", "10.9.0.1", True),),
                      dhcp_ports=(DhcpHost("fa:16:3e:00:00:02", "10.9.0.2", "p2-dhcp"),))
    driver.ensure_network(net)
    driver.ensure_router(RouterSpec(id="r2", interfaces=(
        RouterPortSpec("p2-router", "n2", "fa:16:3e:00:00:03", "10.9.0.1", "10.9.0.0/24", mtu=1450),)))
    kinds = {"DHCP agent", "L3 agent", "Metadata agent", "Linux bridge agent"}
    states = driver.agent_states()
    assert states is not None and set(states) == kinds
    assert all(s.alive for s in states.values()), states
    driver.delete_router("r2")
    driver.delete_network("n2")
    states = driver.agent_states()
    assert states is not None and all(s.alive for s in states.values()), states


def test_worker_feeds_the_driver_the_current_state(cloud: Cloud, client: TestClient, as_demo: dict) -> None:
    """After the jobs run, the logical driver holds each network's DHCP hosts and each router's floating IPs."""
    net, _sub = network_with_subnet(client, as_demo, "10.70.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    cloud.worker.run_due()
    driver = cloud.network.driver
    spec = driver.networks[net["id"]]
    assert [h.ip_address for h in spec.dhcp_hosts] == [port["fixed_ips"][0]["ip_address"]]
    assert spec.network_type == "vxlan" and spec.subnets[0].cidr == "10.70.0.0/24"
    assert driver.ports[port["id"]].rules  # the default group's rules
    router1 = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_demo).json()["routers"][0]
    assert driver.routers[router1["id"]].gateway is not None
    assert [i.ip_address for i in driver.routers[router1["id"]].interfaces] == ["10.0.0.1"]
    client.delete(f"{N}/ports/{port['id']}", headers=as_demo)
    client.delete(f"{N}/networks/{net['id']}", headers=as_demo)
    cloud.worker.run_due()
    assert net["id"] not in driver.networks and port["id"] not in driver.ports


def test_a_restarted_lab_re_ensures_what_the_database_holds(cloud: Cloud, client: TestClient, as_demo: dict,
                                                            settings: Settings) -> None:
    """The logical driver holds its state in memory, so a restarted lab starts with an empty driver: at start
    (NetworkService.recover) every network, router and port in the database is handed to it again."""
    net, _sub = network_with_subnet(client, as_demo, "10.72.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    create(client, as_demo, "routers", name="restart-router")
    cloud.worker.run_due()
    with cloud.db.read() as db:
        held = {kind: set(db.scalars(select(model.id))) for kind, model in
                (("ensure_network", Network), ("ensure_router", Router), ("ensure_port_security", Port))}
    assert net["id"] in held["ensure_network"] and port["id"] in held["ensure_port_security"]

    restarted = Cloud(settings)  # a new process on the same data directory, as `stacklab up` after a stop
    try:
        create_app(settings, cloud=restarted, start_worker=False)  # bootstrap and recover, as at every start
        driver = restarted.network_driver
        assert isinstance(driver, LogicalNetworkDriver) and driver.calls == []  # ensured by the worker, not here
        restarted.worker.run_due()
        ensured = {kind: {object_id for method, object_id in driver.calls if method == kind} for kind in held}
        assert ensured == held
        assert [h.ip_address for h in driver.networks[net["id"]].dhcp_hosts] == [port["fixed_ips"][0]["ip_address"]]
        assert driver.ports[port["id"]].rules  # the default group's rules, read again from the database
    finally:
        restarted.close()
