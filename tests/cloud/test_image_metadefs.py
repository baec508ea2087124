"""Glance's metadata definitions catalog (metadefs): the requests openstacksdk's image metadef tests and
tempest's tempest.api.image.v2.admin.test_images_metadefs_* send, answered as Glance answers them."""

from __future__ import annotations

from starlette.testclient import TestClient

M = "/image/v2/metadefs"
NS = f"{M}/namespaces"


def _namespace(client: TestClient, as_admin: dict, name: str, **attrs: object) -> dict:
    r = client.post(NS, json={"namespace": name, **attrs}, headers=as_admin)
    assert r.status_code == 201, r.text
    return r.json()


def test_namespace_lifecycle(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """tempest's test_basic_metadata_definition_namespaces: a protected public namespace with a resource type
    association, listed, shown, refused deletion (403), updated with PUT (omitted fields back to defaults),
    deleted; only operators write, a private namespace is its owner's (404 for others)."""
    first_type = client.get(f"{M}/resource_types", headers=as_demo).json()["resource_types"][0]["name"]
    assert first_type == "OS::Cinder::Volume"  # Glance's five, by name
    made = _namespace(client, as_admin, "tempest-ns", visibility="public", description="Tempest",
                      display_name="tempest-ns", resource_type_associations=[{"name": first_type}], protected=True)
    assert {k: made[k] for k in ("namespace", "visibility", "protected", "description", "self", "schema")} == {
        "namespace": "tempest-ns", "visibility": "public", "protected": True, "description": "Tempest",
        "self": "/v2/metadefs/namespaces/tempest-ns", "schema": "/v2/schemas/metadefs/namespace"}
    assert [a["name"] for a in made["resource_type_associations"]] == [first_type]
    assert client.post(NS, json={"namespace": "tempest-ns"}, headers=as_admin).status_code == 409
    assert client.post(NS, json={"namespace": "x", "bogus": 1}, headers=as_admin).status_code == 400
    assert client.post(NS, json={"namespace": "mine"}, headers=as_demo).status_code == 403
    listed = client.get(NS, headers=as_demo).json()
    assert [n["namespace"] for n in listed["namespaces"]] == ["tempest-ns"]
    assert client.get(f"{NS}?resource_types=OS::Glance::Image", headers=as_demo).json()["namespaces"] == []
    assert client.get(f"{NS}/tempest-ns", headers=as_demo).json()["visibility"] == "public"
    r = client.delete(f"{NS}/tempest-ns", headers=as_admin)
    assert r.status_code == 403 and "protected" in r.text
    r = client.put(f"{NS}/tempest-ns", headers=as_admin, json={
        "namespace": "tempest-ns", "description": "Tempest", "visibility": "private", "display_name": "tempest-ns",
        "protected": False})
    assert r.status_code == 200, r.text
    assert (r.json()["visibility"], r.json()["protected"]) == ("private", False)
    assert client.get(f"{NS}/tempest-ns", headers=as_demo).status_code == 404  # private: the admin project's
    r = client.put(f"{NS}/tempest-ns", headers=as_admin, json={"namespace": "tempest-ns", "display_name": "A"})
    assert r.json()["display_name"] == "A" and "description" not in r.json()
    assert client.delete(f"{NS}/tempest-ns", headers=as_admin).status_code == 204
    assert client.get(f"{NS}/tempest-ns", headers=as_admin).status_code == 404


def test_objects_and_properties(client: TestClient, as_admin: dict) -> None:
    """openstacksdk's TestMetadefObject and TestMetadefProperty: create, show, list, update (rename), delete."""
    long_name = "test_" + "p" * 75  # at Glance's 80-character limit
    _namespace(client, as_admin, long_name)
    objects = f"{NS}/{long_name}/objects"
    r = client.post(objects, json={"name": "obj"}, headers=as_admin)
    assert r.status_code == 201, r.text
    assert r.json()["self"] == f"/v2/metadefs/namespaces/{long_name}/objects/obj"
    assert client.post(objects, json={"name": "obj"}, headers=as_admin).status_code == 409
    assert client.get(f"{objects}/obj", headers=as_admin).json()["name"] == "obj"
    assert [o["name"] for o in client.get(objects, headers=as_admin).json()["objects"]] == ["obj"]
    r = client.put(f"{objects}/obj", json={"name": "New object name", "description": "New object description"},
                   headers=as_admin)
    assert (r.json()["name"], r.json()["description"]) == ("New object name", "New object description")
    assert client.get(f"{objects}/obj", headers=as_admin).status_code == 404
    props = f"{NS}/{long_name}/properties"
    attrs = {"name": long_name, "title": long_name, "type": "string", "description": "Web Server port",
             "enum": ["80", "443"]}
    r = client.post(props, json=attrs, headers=as_admin)
    assert r.status_code == 201 and r.json() == attrs
    assert client.post(props, json={"name": "x", "title": "x"}, headers=as_admin).status_code == 400
    assert client.get(props, headers=as_admin).json() == {"properties": {long_name: {
        k: v for k, v in attrs.items() if k != "name"}}}
    r = client.put(f"{props}/{long_name}", json={**attrs, "title": "t2", "description": "d2"}, headers=as_admin)
    assert r.status_code == 200 and r.json()["title"] == "t2"
    assert client.get(f"{props}/{long_name}", headers=as_admin).json()["description"] == "d2"
    shown = client.get(f"{NS}/{long_name}", headers=as_admin).json()
    assert list(shown["properties"]) == [long_name] and [o["name"] for o in shown["objects"]] == ["New object name"]
    assert client.delete(f"{props}/{long_name}", headers=as_admin).status_code == 204
    assert client.get(props, headers=as_admin).json() == {"properties": {}}
    assert client.delete(objects, headers=as_admin).status_code == 204
    assert client.get(objects, headers=as_admin).json()["objects"] == []


def test_tags(client: TestClient, as_admin: dict) -> None:
    """openstacksdk's test_tags and tempest's namespace tags tests: one by one, set (replacing or, with
    X-OpenStack-Append, adding), rename, delete one and all; 409 for a name twice."""
    _namespace(client, as_admin, "tagged")
    tags = f"{NS}/tagged/tags"
    assert client.post(f"{tags}/t1", headers=as_admin).status_code == 201
    assert client.post(f"{tags}/t2", headers=as_admin).json()["name"] == "t2"
    assert client.post(f"{tags}/T1", headers=as_admin).status_code == 409
    assert [t["name"] for t in client.get(tags, headers=as_admin).json()["tags"]] == ["t1", "t2"]
    assert client.delete(f"{tags}/t1", headers=as_admin).status_code == 204
    assert client.get(f"{NS}/tagged", headers=as_admin).json()["tags"] == [{"name": "t2"}]
    r = client.post(tags, json={"tags": [{"name": "t1"}, {"name": "t2"}]}, headers={
        **as_admin, "X-OpenStack-Append": "False"})
    assert r.status_code == 201 and [t["name"] for t in r.json()["tags"]] == ["t1", "t2"]
    client.post(tags, json={"tags": [{"name": "t3"}, {"name": "t4"}]}, headers={**as_admin,
                                                                                "X-Openstack-Append": "True"})
    assert [t["name"] for t in client.get(tags, headers=as_admin).json()["tags"]] == ["t1", "t2", "t3", "t4"]
    r = client.put(f"{tags}/t4", json={"name": "renamed"}, headers=as_admin)
    assert r.status_code == 200 and r.json()["name"] == "renamed"
    assert client.get(f"{tags}/renamed", headers=as_admin).json()["name"] == "renamed"
    assert client.get(f"{tags}/t4", headers=as_admin).status_code == 404
    assert client.delete(tags, headers=as_admin).status_code == 204
    assert client.get(tags, headers=as_admin).json() == {"tags": []}


def test_resource_type_associations(client: TestClient, as_admin: dict) -> None:
    """openstacksdk's TestMetadefResourceType: an association with a new resource type adds the type; it is
    listed under the namespace and removed again."""
    _namespace(client, as_admin, "typed")
    assoc = f"{NS}/typed/resource_types"
    r = client.post(assoc, json={"name": "test-resource-type", "prefix": "hw_"}, headers=as_admin)
    assert r.status_code == 201 and (r.json()["name"], r.json()["prefix"]) == ("test-resource-type", "hw_")
    assert client.post(assoc, json={"name": "test-resource-type"}, headers=as_admin).status_code == 409
    listed = client.get(assoc, headers=as_admin).json()["resource_type_associations"]
    assert [a["name"] for a in listed] == ["test-resource-type"]
    types = [t["name"] for t in client.get(f"{M}/resource_types", headers=as_admin).json()["resource_types"]]
    assert "test-resource-type" in types and "OS::Glance::Image" in types
    assert client.delete(f"{assoc}/test-resource-type", headers=as_admin).status_code == 204
    assert client.get(assoc, headers=as_admin).json() == {"resource_type_associations": []}
    assert client.delete(f"{assoc}/test-resource-type", headers=as_admin).status_code == 404


def test_every_metadefs_schema_is_served(client: TestClient, as_demo: dict) -> None:
    """openstacksdk's TestMetadefSchema fetches ten schemas."""
    for name in ("namespace", "namespaces", "resource_type", "resource_types", "object", "objects", "property",
                 "properties", "tag", "tags"):
        r = client.get(f"/image/v2/schemas/metadefs/{name}", headers=as_demo)
        assert r.status_code == 200 and "properties" in r.json(), name
