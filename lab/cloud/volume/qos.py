"""QoS specs (Cinder's qos-specs, admin): named limits (`read_iops_sec`, `total_bytes_sec`, ...) for a consumer
(`front-end`: the hypervisor, `back-end`: the storage, or `both`), associated with volume types. Data only: the
file backend does not throttle, and the front-end limits would be the compute driver's to apply."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.volume.models import QosAssociation, QosSpecs, VolumeType

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

RULE = "volume_extension:qos_specs_manage:"
CONSUMERS = ("front-end", "back-end", "both")


class Qos:
    """`cloud.volume.qos`: the QoS specs operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _find(self, db: Session, qos_id: str) -> QosSpecs:
        found = db.get(QosSpecs, qos_id)
        if found is None:
            raise NotFound(f"QoS Specs {qos_id} could not be found.")
        return found

    def create(self, ctx: RequestContext, name: str, consumer: str, specs: dict[str, str]) -> QosSpecs:
        self.cloud.policy.enforce(ctx, RULE + "create")
        try:
            with self.cloud.db.write() as db:
                if db.scalar(select(QosSpecs.id).where(QosSpecs.name == name)) is not None:
                    raise Conflict(f"QoS Specs {name} already exists.")
                qos = QosSpecs(name=name, consumer=consumer, specs=specs, created_at=self.cloud.clock.now())
                db.add(qos)
                db.flush()
                return qos
        except IntegrityError:
            raise Conflict(f"QoS Specs {name} already exists.") from None

    def list(self, ctx: RequestContext) -> list[QosSpecs]:
        self.cloud.policy.enforce(ctx, RULE + "get_all")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(QosSpecs).order_by(QosSpecs.name)))

    def get(self, ctx: RequestContext, qos_id: str) -> QosSpecs:
        self.cloud.policy.enforce(ctx, RULE + "get")
        with self.cloud.db.read() as db:
            return self._find(db, qos_id)

    def set_keys(self, ctx: RequestContext, qos_id: str, specs: dict[str, str]) -> dict[str, str]:
        """PUT /qos-specs/{id}: add or change keys (a `consumer` key changes the consumer)."""
        self.cloud.policy.enforce(ctx, RULE + "update")
        with self.cloud.db.write() as db:
            qos = self._find(db, qos_id)
            specs = dict(specs)
            consumer = specs.pop("consumer", None)
            if consumer is not None:
                if consumer not in CONSUMERS:
                    raise BadRequest(f"Invalid input received: Valid consumer of QoS specs are: {list(CONSUMERS)}")
                qos.consumer = consumer
            qos.specs = {**(qos.specs or {}), **specs}
            return {**specs, **({"consumer": consumer} if consumer else {})}

    def delete_keys(self, ctx: RequestContext, qos_id: str, keys: builtins.list[str]) -> None:
        """PUT /qos-specs/{id}/delete_keys: 404 for a key that is not there."""
        self.cloud.policy.enforce(ctx, RULE + "update")
        with self.cloud.db.write() as db:
            qos = self._find(db, qos_id)
            specs = dict(qos.specs or {})
            for key in keys:
                if key not in specs:
                    raise NotFound(f"QoS spec {key} could not be found.")
                specs.pop(key)
            qos.specs = specs

    def delete(self, ctx: RequestContext, qos_id: str, force: bool = False) -> None:
        """DELETE /qos-specs/{id}[?force=True]: 400 while associated, unless forced."""
        self.cloud.policy.enforce(ctx, RULE + "delete")
        with self.cloud.db.write() as db:
            qos = self._find(db, qos_id)
            associated = db.scalar(select(QosAssociation.volume_type_id).where(QosAssociation.qos_specs_id == qos.id))
            if associated is not None and not force:
                raise BadRequest(f"QoS Specs {qos_id} is still associated with entities.")
            db.execute(delete(QosAssociation).where(QosAssociation.qos_specs_id == qos.id))
            db.delete(qos)

    def associations(self, ctx: RequestContext, qos_id: str) -> builtins.list[VolumeType]:
        self.cloud.policy.enforce(ctx, RULE + "get_all")
        with self.cloud.db.read() as db:
            self._find(db, qos_id)
            joined = select(VolumeType).join(QosAssociation, QosAssociation.volume_type_id == VolumeType.id)
            return list(db.scalars(joined.where(QosAssociation.qos_specs_id == qos_id).order_by(VolumeType.name)))

    def associate(self, ctx: RequestContext, qos_id: str, type_id: str | None) -> None:
        """GET /qos-specs/{id}/associate?vol_type_id=: a type has at most one QoS specs (400 otherwise)."""
        self.cloud.policy.enforce(ctx, RULE + "update")
        with self.cloud.db.write() as db:
            self._find(db, qos_id)
            vtype = self._type(db, type_id)
            current = db.get(QosAssociation, vtype.id)
            if current is not None and current.qos_specs_id != qos_id:
                raise BadRequest(f"Type {vtype.id} is already associated with another qos specs: "
                                 f"{current.qos_specs_id}")
            if current is None:
                db.add(QosAssociation(volume_type_id=vtype.id, qos_specs_id=qos_id))

    def disassociate(self, ctx: RequestContext, qos_id: str, type_id: str | None = None) -> None:
        """disassociate?vol_type_id= (one type), or disassociate_all (`type_id` None)."""
        self.cloud.policy.enforce(ctx, RULE + "update")
        with self.cloud.db.write() as db:
            self._find(db, qos_id)
            stmt = delete(QosAssociation).where(QosAssociation.qos_specs_id == qos_id)
            if type_id is not None:
                stmt = stmt.where(QosAssociation.volume_type_id == self._type(db, type_id).id)
            db.execute(stmt)

    @staticmethod
    def _type(db: Session, type_id: str | None) -> VolumeType:
        if not type_id:
            raise BadRequest("Invalid input received: vol_type_id is required.")
        vtype = db.get(VolumeType, type_id)
        if vtype is None:
            raise NotFound(f"Volume type {type_id} could not be found.")
        return vtype


def qos_of(db: Session, type_ids: set[str]) -> dict[str, str]:
    """The QoS specs id of each of these types that has one."""
    if not type_ids:
        return {}
    return {a.volume_type_id: a.qos_specs_id for a in db.scalars(
        select(QosAssociation).where(QosAssociation.volume_type_id.in_(type_ids)))}
