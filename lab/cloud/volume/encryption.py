"""Volume type encryption specs (Cinder's os-volume-type-encryption, admin): GET/POST /types/{id}/encryption,
GET /types/{id}/encryption/{key}, PUT/DELETE /types/{id}/encryption/{encryption_id}.

Data only: Cinder encrypts a volume of such a type with a key from the key manager (Barbican); the lab has no
key manager, so its volumes stay unencrypted (`encrypted: false`) whatever their type says (differences.md).
The spec cannot change while volumes use the type, as in Cinder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import timestamp_naive
from lab.cloud.validation import NOVA
from lab.cloud.volume.models import Volume, VolumeType, VolumeTypeEncryption

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

CONTROL_LOCATIONS = ("front-end", "back-end")
FIELDS = ("provider", "cipher", "key_size", "control_location")
W = NOVA


def as_dict(row: VolumeTypeEncryption, time: Any) -> dict[str, Any]:
    """The spec as GET /types/{id}/encryption shows it (Cinder's database row, no wrapping key)."""
    return {"volume_type_id": row.volume_type_id, "encryption_id": row.encryption_id, "provider": row.provider,
            "cipher": row.cipher, "key_size": row.key_size, "control_location": row.control_location,
            "created_at": time(row.created_at), "updated_at": time(row.updated_at), "deleted": False,
            "deleted_at": None}


def _parse(body: Any, *, create: bool) -> dict[str, Any]:
    """Cinder's volume_type_encryption schema: provider (required on create), cipher, key_size (a positive
    integer or null), control_location (front-end or back-end)."""
    if not isinstance(body, dict) or "encryption" not in body:
        raise W.refuse("encryption", None, "required", key="encryption")
    spec = body["encryption"]
    if not isinstance(spec, dict):
        raise W.refuse("encryption", spec, "type", types=W.types(dict))
    extra = set(spec) - set(FIELDS)
    if extra:
        raise W.unexpected("encryption", spec, extra)
    if create and "provider" not in spec:
        raise W.refuse("encryption", spec, "required", key="provider")
    for key in ("provider", "cipher"):
        value = spec.get(key)
        if key in spec and not (isinstance(value, str) and len(value) <= 255) and not (key == "cipher"
                                                                                        and value is None):
            raise W.refuse(f"encryption/{key}", value, "type", types=W.types(str))
    key_size = spec.get("key_size")
    if key_size is not None and (isinstance(key_size, bool) or not isinstance(key_size, int) or key_size < 0):
        raise W.refuse("encryption/key_size", key_size, "type", types=W.types(int, "null"))
    if "control_location" in spec and spec["control_location"] not in CONTROL_LOCATIONS:
        raise W.refuse("encryption/control_location", spec["control_location"], "enum",
                       choices=list(CONTROL_LOCATIONS))
    return dict(spec)


class Encryption:
    """`cloud.volume.encryption`: a volume type's encryption spec."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _type(self, db: Session, type_id: str) -> VolumeType:
        vtype = db.get(VolumeType, type_id)
        if vtype is None:
            raise NotFound(f"Volume type {type_id} could not be found.")
        return vtype

    @staticmethod
    def _in_use(db: Session, type_id: str, verb: str) -> None:
        if db.scalar(select(Volume.id).where(Volume.volume_type_id == type_id).limit(1)) is not None:
            raise BadRequest(f"Cannot {verb} encryption specification. Volume type in use.")

    def get(self, ctx: RequestContext, type_id: str) -> VolumeTypeEncryption | None:
        """The spec, or None (Cinder answers {} for a type without one)."""
        self.cloud.policy.enforce(ctx, "volume_extension:volume_type_encryption:get")
        with self.cloud.db.read() as db:
            self._type(db, type_id)
            return db.get(VolumeTypeEncryption, type_id)

    def item(self, ctx: RequestContext, type_id: str, key: str) -> dict[str, Any]:
        """GET /types/{id}/encryption/{key}: `{key: value}` (Cinder's value, so key_size is a number); 404
        without a spec or for a key it does not have."""
        row = self.get(ctx, type_id)
        found = {} if row is None else as_dict(row, timestamp_naive)
        if key not in found:  # Cinder's bare HTTPNotFound, also for a type without a spec
            raise NotFound("The resource could not be found.")
        return {key: found[key]}

    def create(self, ctx: RequestContext, type_id: str, body: Any) -> VolumeTypeEncryption:
        self.cloud.policy.enforce(ctx, "volume_extension:volume_type_encryption:create")
        spec = _parse(body, create=True)
        with self.cloud.db.write() as db:
            self._type(db, type_id)
            if db.get(VolumeTypeEncryption, type_id) is not None:
                raise BadRequest(f"Volume type encryption for type {type_id} already exists.")
            self._in_use(db, type_id, "create")
            row = VolumeTypeEncryption(volume_type_id=type_id, provider=spec["provider"], cipher=spec.get("cipher"),
                                       key_size=spec.get("key_size"),
                                       control_location=spec.get("control_location", "front-end"),
                                       created_at=self.cloud.clock.now(), updated_at=None)
            db.add(row)
            db.flush()
            return row

    def update(self, ctx: RequestContext, type_id: str, encryption_id: str, body: Any) -> dict[str, Any]:
        """PUT: the given fields changed; answers them (Cinder's update returns the request's spec)."""
        self.cloud.policy.enforce(ctx, "volume_extension:volume_type_encryption:update")
        spec = _parse(body, create=False)
        with self.cloud.db.write() as db:
            self._type(db, type_id)
            row = db.get(VolumeTypeEncryption, type_id)
            if row is None or row.encryption_id != encryption_id:
                raise NotFound(f"Volume type encryption for type {type_id} does not exist.")
            self._in_use(db, type_id, "update")
            for key, value in spec.items():
                setattr(row, key, value)
            row.updated_at = self.cloud.clock.now()
        return spec

    def delete(self, ctx: RequestContext, type_id: str, encryption_id: str) -> None:
        self.cloud.policy.enforce(ctx, "volume_extension:volume_type_encryption:delete")
        with self.cloud.db.write() as db:
            self._type(db, type_id)
            row = db.get(VolumeTypeEncryption, type_id)
            if row is None or row.encryption_id != encryption_id:
                raise NotFound(f"Volume type encryption for type {type_id} does not exist.")
            self._in_use(db, type_id, "delete")
            db.delete(row)
