"""Host aggregates, server tags, a flavor's description (PUT /flavors/{id}), the legacy extension list and the
floating IP pools proxy, through the API with tempest's response schemas (aggregates at 2.1 and 2.41, tags at
2.26, flavors at 2.55), Nova's errors, and the policy (aggregates are the operator's)."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def test_aggregates_lifecycle_with_tempest_schemas(client: TestClient, cloud: Cloud, as_admin: dict[str, str],
                                                   as_demo: dict[str, str]) -> None:
    agg = f"{API}/os-aggregates"
    host = client.get(f"{API}/os-hypervisors", headers=as_admin).json()["hypervisors"][0]["hypervisor_hostname"]
    assert client.get(agg, headers=as_demo).status_code == 403
    r = client.post(agg, headers=as_admin, json={"aggregate": {"name": "fast", "availability_zone": "az1"}})
    assert_schema("compute.v2_1.aggregates", "create_aggregate", r)
    agg_id = r.json()["aggregate"]["id"]
    assert client.post(agg, headers=as_admin, json={"aggregate": {"name": "fast"}}).status_code == 409
    assert client.post(agg, headers=as_admin, json={"aggregate": {"name": "x", "hosts": []}}).status_code == 400
    one = f"{agg}/{agg_id}"
    action = f"{one}/action"
    r = client.post(action, headers=as_admin, json={"add_host": {"host": host}})
    assert_schema("compute.v2_1.aggregates", "aggregate_add_remove_host", r)
    assert r.json()["aggregate"]["hosts"] == [host]
    again = client.post(action, headers=as_admin, json={"add_host": {"host": host}})
    assert again.status_code == 409 and "already has host" in again.text
    unknown = client.post(action, headers=as_admin, json={"add_host": {"host": "nowhere"}})
    assert unknown.status_code == 404 and "Compute host nowhere could not be found." in unknown.text
    r = client.post(action, headers={**as_admin, **mv("2.41")},
                    json={"set_metadata": {"metadata": {"ssd": "true", "gpu": "no"}}})
    assert_schema("compute.v2_41.aggregates", "aggregate_set_metadata", r)
    r = client.post(action, headers=as_admin, json={"set_metadata": {"metadata": {"gpu": None}}})
    assert r.json()["aggregate"]["metadata"] == {"availability_zone": "az1", "ssd": "true"}
    assert_schema("compute.v2_1.aggregates", "update_aggregate",
                  client.put(one, headers=as_admin, json={"aggregate": {"name": "faster"}}))
    assert_schema("compute.v2_41.aggregates", "list_aggregates", client.get(agg, headers={**as_admin,
                                                                                        **mv("2.41")}))
    assert_schema("compute.v2_1.aggregates", "get_aggregate", client.get(one, headers=as_admin))
    busy = client.delete(one, headers=as_admin)
    assert busy.status_code == 400 and "not empty" in busy.text
    assert client.post(action, headers=as_admin, json={"remove_host": {"host": host}}).status_code == 200
    gone = client.post(action, headers=as_admin, json={"remove_host": {"host": host}})
    assert gone.status_code == 404 and f"Cannot remove host {host} in aggregate {agg_id}" in gone.text
    assert_schema("compute.v2_1.aggregates", "delete_aggregate", client.delete(one, headers=as_admin))
    assert client.get(one, headers=as_admin).status_code == 404
    assert client.get(f"{agg}/abc", headers=as_admin).status_code == 400


def test_server_tags_and_tag_filters(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    v = mv("2.26")
    web = create_server(client, cloud, as_demo, "web")
    db = create_server(client, cloud, as_demo, "db")
    tags = f"{API}/servers/{web['id']}/tags"
    assert client.get(tags, headers=as_demo).status_code == 404  # before 2.26 the URL does not exist
    assert client.put(f"{tags}/prod", headers={**as_demo, **v}).status_code == 201
    assert client.put(f"{tags}/prod", headers={**as_demo, **v}).status_code == 204
    assert client.put(f"{tags}/a,b", headers={**as_demo, **v}).status_code == 400
    r = client.put(f"{API}/servers/{db['id']}/tags", headers={**as_demo, **v}, json={"tags": ["prod", "sql"]})
    assert r.status_code == 200 and r.json() == {"tags": ["prod", "sql"]}
    too_many = client.put(tags, headers={**as_demo, **v}, json={"tags": [f"t{i}" for i in range(51)]})
    assert too_many.status_code == 400
    assert client.get(tags, headers={**as_demo, **v}).json() == {"tags": ["prod"]}
    assert client.get(f"{tags}/prod", headers={**as_demo, **v}).status_code == 204
    assert client.get(f"{tags}/dev", headers={**as_demo, **v}).status_code == 404

    def names(query: str) -> list[str]:
        r = client.get(f"{API}/servers/detail?{query}", headers={**as_demo, **v})
        assert_schema("compute.v2_26.servers", "list_servers_detail", r)
        return sorted(s["name"] for s in r.json()["servers"])
    assert names("tags=prod") == ["db", "web"]
    assert names("tags=prod,sql") == ["db"]
    assert names("tags-any=sql,nothing") == ["db"]
    assert names("not-tags=prod,sql") == ["web"]
    assert names("not-tags-any=sql") == ["web"]
    assert client.delete(f"{tags}/prod", headers={**as_demo, **v}).status_code == 204
    assert client.delete(f"{tags}/prod", headers={**as_demo, **v}).status_code == 404
    assert client.delete(f"{API}/servers/{db['id']}/tags", headers={**as_demo, **v}).status_code == 204
    assert names("tags-any=prod,sql") == []


def test_flavor_description_update_extensions_and_pools(client: TestClient, as_admin: dict[str, str],
                                                         as_demo: dict[str, str]) -> None:
    url = f"{API}/flavors/1"
    body = {"flavor": {"description": "the smallest"}}
    assert client.put(url, headers=as_admin, json=body).status_code == 404  # before 2.55
    r = client.put(url, headers={**as_admin, **mv("2.55")}, json=body)
    assert_schema("compute.v2_55.flavors", "create_update_get_flavor_details", r)
    assert r.json()["flavor"]["description"] == "the smallest"
    assert client.put(url, headers={**as_demo, **mv("2.55")}, json=body).status_code == 403
    bad = client.put(url, headers={**as_admin, **mv("2.55")}, json={"flavor": {"name": "x"}})
    assert bad.status_code == 400

    assert_schema("compute.v2_1.extensions", "list_extensions", client.get(f"{API}/extensions", headers=as_demo))
    assert client.get(f"{API}/extensions/os-aggregates", headers=as_demo).json()["extension"]["name"] == \
        "Aggregates"
    assert client.get(f"{API}/extensions/nope", headers=as_demo).status_code == 404
    # OSC's test_extension_list_compute looks for Nova's ImageSize.
    assert client.get(f"{API}/extensions/image-size", headers=as_demo).json()["extension"]["name"] == "ImageSize"

    pools = client.get(f"{API}/os-floating-ip-pools", headers=as_demo)
    assert pools.status_code == 200
    external = client.get("/network/v2.0/networks?router:external=true", headers=as_demo).json()["networks"]
    assert pools.json() == {"floating_ip_pools": [{"name": n["name"]} for n in
                                                  sorted(external, key=lambda n: n["name"])]}
    assert pools.json()["floating_ip_pools"]  # the lab has a public network
    assert client.get(f"{API}/os-floating-ip-pools", headers={**as_demo, **mv("2.36")}).status_code == 404
