"""Key pairs at microversion 2.1: import or generate, 200 on create, 202 on delete, tempest's list shape."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, reader_headers


def new_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def test_import_returns_200_with_fingerprint(client: TestClient, as_demo: dict) -> None:
    """Importing a public key (what OSC always does) answers 200 with Nova's keys and the MD5 fingerprint."""
    public = new_public_key()
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": public}})
    assert r.status_code == 200
    body = r.json()["keypair"]
    assert set(body) == {"name", "public_key", "fingerprint", "user_id"}
    assert body["fingerprint"] == md5_fingerprint(public) and body["public_key"] == public


def test_generated_key_pair_has_a_private_key(client: TestClient, as_demo: dict) -> None:
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "gen"}})
    assert r.status_code == 200
    body = r.json()["keypair"]
    private = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
    derived = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    assert body["public_key"].startswith(derived)
    assert body["fingerprint"] == md5_fingerprint(body["public_key"])
    shown = client.get(f"{API}/os-keypairs/gen", headers=as_demo).json()["keypair"]
    assert "private_key" not in shown  # given once, never stored


def test_list_items_have_exactly_tempests_keys(client: TestClient, as_demo: dict) -> None:
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": new_public_key()}})
    r = client.get(f"{API}/os-keypairs", headers=as_demo)
    assert r.status_code == 200
    (item,) = r.json()["keypairs"]
    assert set(item) == {"keypair"} and set(item["keypair"]) == {"name", "public_key", "fingerprint"}


def test_show_has_tempests_keys(client: TestClient, as_demo: dict) -> None:
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": new_public_key()}})
    body = client.get(f"{API}/os-keypairs/k1", headers=as_demo).json()["keypair"]
    assert set(body) == {"public_key", "name", "fingerprint", "user_id", "deleted", "created_at", "updated_at",
                         "deleted_at", "id"}
    assert body["deleted"] is False and isinstance(body["id"], int)


def test_delete_is_202_then_404(client: TestClient, as_demo: dict) -> None:
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": new_public_key()}})
    assert client.delete(f"{API}/os-keypairs/k1", headers=as_demo).status_code == 202
    r = client.delete(f"{API}/os-keypairs/k1", headers=as_demo)
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"].startswith("Keypair k1 not found for user ")


def test_duplicate_name_is_409(client: TestClient, as_demo: dict) -> None:
    key = new_public_key()
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": key}})
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": key}})
    assert r.status_code == 409
    assert r.json() == {"conflictingRequest": {"code": 409, "message": "Key pair 'k1' already exists."}}


def test_bad_public_key_and_bad_name_are_400(client: TestClient, as_demo: dict) -> None:
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": "nope"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Keypair data is invalid: failed to generate fingerprint"
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "bad/name"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Keypair data is invalid: Keypair name contains unsafe characters"
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "x" * 256}})
    assert r.status_code == 400
    assert client.get(f"{API}/os-keypairs", headers=as_demo).json() == {"keypairs": []}


def test_key_pair_quota(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """key_pairs is enforced per user with Nova's 403."""
    from tests.cloud.compute_support import project_id

    demo = project_id(client, as_demo)
    assert client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin,
                      json={"quota_set": {"key_pairs": 1}}).status_code == 200
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1", "public_key": new_public_key()}})
    r = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k2",
                                                                              "public_key": new_public_key()}})
    assert r.status_code == 403
    assert r.json() == {"forbidden": {"code": 403, "message": "Quota exceeded, too many key pairs."}}
    assert [k["keypair"]["name"] for k in client.get(f"{API}/os-keypairs", headers=as_demo).json()["keypairs"]] == [
        "k1"]


def test_reader_cannot_create(client: TestClient, cloud: Cloud) -> None:
    as_reader = reader_headers(client, cloud)
    r = client.post(f"{API}/os-keypairs", headers=as_reader, json={"keypair": {"name": "k1"}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Policy doesn't allow os_compute_api:os-keypairs:create to be performed."
    assert client.get(f"{API}/os-keypairs", headers=as_reader).json() == {"keypairs": []}
