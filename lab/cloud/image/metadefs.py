"""Glance's metadata definitions catalog (metadefs, glance/api/v2/metadef_*.py): namespaces of property
definitions, objects (named groups of properties) and tags, each namespace associated with the resource types
its properties apply to (OS::Glance::Image, OS::Nova::Flavor, ...). Horizon's "Update Metadata" dialogs and
`openstack image metadef ...` read them; nothing in the cloud enforces them.

The lab loads no definitions (`glance-manage db_load_metadefs` was never run): the catalog starts empty but for
the five resource types Glance's migrations add. Reading is for anyone, and a private namespace only for its
owner (others get 404); writing is for operators (Glance's `metadef_admin`, `role:admin`).

Bodies are Glance's: unwrapped, a namespace's `properties` a dict by name, its `objects`, `tags` and
`resource_type_associations` lists, and a PUT replaces what it names (a namespace's omitted `visibility` and
`protected` go back to their defaults, as in Glance).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.http import timestamp
from lab.cloud.image.models import MetadefNamespace, MetadefResourceType

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor", "OS::Nova::Aggregate",
                  "OS::Nova::Server")  # what Glance's migrations put in metadef_resource_types
PROPERTY_TYPES = ("array", "boolean", "integer", "number", "object", "string", "null")
_BASE = "/v2/metadefs/namespaces"

# The keys a property definition may have, with their JSON types (Glance's property schema).
_PROPERTY_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,), "title": (str,), "description": (str,), "type": (str,), "operators": (list,),
    "default": (str, int, float, bool, list, dict), "readonly": (bool,), "minimum": (int, float),
    "maximum": (int, float), "enum": (list,), "pattern": (str,), "minLength": (int,), "maxLength": (int,),
    "items": (dict,), "uniqueItems": (bool,), "minItems": (int,), "maxItems": (int,), "additionalItems": (bool,),
}
_NAMESPACE_KEYS: dict[str, tuple[type, ...]] = {
    "namespace": (str,), "display_name": (str,), "description": (str,), "visibility": (str,),
    "protected": (bool,), "owner": (str,), "resource_type_associations": (list,), "properties": (dict,),
    "objects": (list,), "tags": (list,),
}
_OBJECT_KEYS: dict[str, tuple[type, ...]] = {"name": (str,), "description": (str,), "required": (list,),
                                             "properties": (dict,)}
_ASSOCIATION_KEYS: dict[str, tuple[type, ...]] = {"name": (str,), "prefix": (str,), "properties_target": (str,)}
_READ_ONLY = ("created_at", "updated_at", "schema", "self")


def _invalid(schema: str, reason: str) -> BadRequest:
    return BadRequest(f"Provided object does not match schema '{schema}': {reason}")


def _checked(schema: str, body: Any, keys: dict[str, tuple[type, ...]], required: tuple[str, ...],
             max_name: int = 80) -> dict[str, Any]:
    """`body` as Glance's JSON schema `schema` accepts it (read-only keys dropped); its 400 otherwise."""
    if not isinstance(body, dict):
        raise BadRequest("Malformed request body: a JSON object was expected.")
    body = {k: v for k, v in body.items() if k not in _READ_ONLY and v is not None}
    for key in required:
        if key not in body:
            raise _invalid(schema, f"'{key}' is a required property")
    for key, value in body.items():
        types = keys.get(key)
        if types is None:
            raise _invalid(schema, f"Additional properties are not allowed ('{key}' was unexpected)")
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise _invalid(schema, f"{value!r} is not of type '{_json_type(types[0])}'")
    for key in ("namespace", "name", "display_name"):
        if isinstance(body.get(key), str) and len(body[key]) > max_name:
            raise _invalid(schema, f"{body[key]!r} is too long")
        if key in required and isinstance(body.get(key), str) and not body[key].strip():
            raise _invalid(schema, f"{body[key]!r} is too short")
    return body


def _json_type(t: type) -> str:
    return {str: "string", bool: "boolean", int: "integer", float: "number", list: "array", dict: "object"}[t]


def _property(name: str, body: Any) -> dict[str, Any]:
    """A property definition (its `name` is the key it is stored under, not part of the value)."""
    checked = _checked("property", {**body, "name": name} if isinstance(body, dict) else body, _PROPERTY_KEYS,
                       ("name", "title", "type"))
    if checked["type"] not in PROPERTY_TYPES:
        raise _invalid("property", f"{checked['type']!r} is not one of {list(PROPERTY_TYPES)!r}")
    checked.pop("name")
    return checked


def _object(body: Any, now: datetime, created: str | None = None) -> dict[str, Any]:
    checked = _checked("object", body, _OBJECT_KEYS, ("name",))
    properties = {name: _property(name, value) for name, value in (checked.get("properties") or {}).items()}
    return {"name": checked["name"], "description": checked.get("description"),
            "required": list(checked.get("required") or []), "properties": properties,
            "created_at": created or timestamp(now), "updated_at": timestamp(now)}


def _tag(name: Any, now: datetime) -> dict[str, Any]:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise _invalid("tag", f"{name!r} is not a valid tag name")
    return {"name": name, "created_at": timestamp(now), "updated_at": timestamp(now)}


def _no_duplicate_tags(ns: str, tags: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for tag in tags:
        if tag["name"].lower() in seen:
            raise Conflict(f"A metadata tag with name={tag['name']} already exists in namespace={ns}. (Please "
                           "note that metadata tag names are case insensitive).")
        seen.add(tag["name"].lower())


# ---------------------------------------------------------------------------------------------- rendering
def _member(ns: MetadefNamespace, members: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    """One object or property of a namespace (a copy), or Glance's 404."""
    if name not in members:
        raise NotFound(f"The metadata definition {kind} with name={name} was not found in namespace={ns.namespace}.")
    return dict(members[name])


def namespace(ns: MetadefNamespace, detail: bool = True) -> dict[str, Any]:
    """A namespace as Glance shows it: its parts only when it has some (and, in a listing, only its resource
    type associations)."""
    body: dict[str, Any] = {
        "namespace": ns.namespace, "display_name": ns.display_name, "description": ns.description,
        "visibility": ns.visibility, "protected": ns.protected, "owner": ns.owner,
        "created_at": timestamp(ns.created_at), "updated_at": timestamp(ns.updated_at),
        "self": f"{_BASE}/{ns.namespace}", "schema": "/v2/schemas/metadefs/namespace"}
    body = {k: v for k, v in body.items() if v is not None}
    if ns.resource_types:
        body["resource_type_associations"] = [dict(a) for a in ns.resource_types]
    if detail:
        if ns.properties:
            body["properties"] = dict(ns.properties)
        if ns.objects:
            body["objects"] = [_object_body(ns.namespace, o, short=True) for o in ns.objects.values()]
        if ns.tags:
            body["tags"] = [{"name": t["name"]} for t in ns.tags]
    return body


def _object_body(ns: str, obj: dict[str, Any], short: bool = False) -> dict[str, Any]:
    body = {k: v for k, v in obj.items() if v is not None}
    if short:  # inside a namespace: no links
        return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}
    return {**body, "self": f"{_BASE}/{ns}/objects/{obj['name']}", "schema": "/v2/schemas/metadefs/object"}


def metadef_object(ns: str, obj: dict[str, Any]) -> dict[str, Any]:
    return _object_body(ns, obj)


def metadef_property(name: str, definition: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **definition}


def tag(t: dict[str, Any]) -> dict[str, Any]:
    return dict(t)


def resource_type(rt: MetadefResourceType) -> dict[str, Any]:
    return {"name": rt.name, "created_at": timestamp(rt.created_at), "updated_at": timestamp(rt.updated_at)}


# ---------------------------------------------------------------------------------------------- the service
class Metadefs:
    """`cloud.image.metadefs`: the catalog's operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def bootstrap(self) -> None:
        """The resource types Glance's migrations add (idempotent)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for name in RESOURCE_TYPES:
                if db.get(MetadefResourceType, name) is None:
                    db.add(MetadefResourceType(name=name, protected=True, created_at=now, updated_at=now))

    def _authorize(self, ctx: RequestContext, action: str) -> None:
        if not self.cloud.policy.allows(ctx, action, ctx.project_id):
            raise Forbidden(f"You are not authorized to complete {action} action.")

    def _visible(self, ctx: RequestContext, ns: MetadefNamespace) -> bool:
        return (ns.visibility == "public" or (ns.owner is not None and ns.owner == ctx.project_id)
                or self.cloud.policy.allows(ctx, "context_is_admin"))

    def _get(self, db: Session, ctx: RequestContext, name: str) -> MetadefNamespace:
        ns = db.get(MetadefNamespace, name)
        if ns is None or not self._visible(ctx, ns):
            raise NotFound(f"Metadata definition namespace={name} was not found.")
        return ns

    # -- namespaces
    def list_namespaces(self, ctx: RequestContext, visibility: str | None, resource_types: list[str],
                        limit: int | None, marker: str | None, sort_key: str, sort_dir: str,
                        ) -> tuple[list[MetadefNamespace], str | None]:
        """The namespaces the caller sees, filtered, sorted (created_at desc by default) and paged; the next
        page's marker when there is one."""
        self._authorize(ctx, "get_metadef_namespaces")
        if sort_key not in ("created_at", "updated_at", "namespace", "display_name"):
            raise BadRequest(f"Invalid sort key: {sort_key}")
        if sort_dir not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {sort_dir}")
        with self.cloud.db.read() as db:
            found = [ns for ns in db.scalars(select(MetadefNamespace)) if self._visible(ctx, ns)
                     and (visibility is None or ns.visibility == visibility)
                     and (not resource_types or any(a["name"] in resource_types for a in ns.resource_types))]
        found.sort(key=lambda ns: (getattr(ns, sort_key) or "", ns.namespace), reverse=sort_dir == "desc")
        if marker is not None:
            names = [ns.namespace for ns in found]
            if marker not in names:
                raise NotFound(f"Metadata definition namespace={marker} was not found.")
            found = found[names.index(marker) + 1:]
        if limit is not None and len(found) > limit:
            return found[:limit], found[limit - 1].namespace if limit else None
        return found, None

    def create_namespace(self, ctx: RequestContext, body: Any) -> MetadefNamespace:
        self._authorize(ctx, "add_metadef_namespace")
        req = _checked("namespace", body, _NAMESPACE_KEYS, ("namespace",))
        if req.get("visibility", "private") not in ("public", "private"):
            raise _invalid("namespace", f"{req['visibility']!r} is not one of ['public', 'private']")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            if db.get(MetadefNamespace, req["namespace"]) is not None:
                raise Conflict(f"The metadata definition namespace={req['namespace']} already exists.")
            ns = MetadefNamespace(
                namespace=req["namespace"], display_name=req.get("display_name"),
                description=req.get("description"), visibility=req.get("visibility", "private"),
                protected=req.get("protected", False), owner=req.get("owner", ctx.project_id), created_at=now,
                updated_at=now, properties={n: _property(n, v) for n, v in (req.get("properties") or {}).items()},
                objects={}, tags=[], resource_types=[])
            for item in req.get("objects") or []:
                obj = _object(item, now)
                ns.objects = {**ns.objects, obj["name"]: obj}
            tags = [_tag(t.get("name") if isinstance(t, dict) else t, now) for t in req.get("tags") or []]
            _no_duplicate_tags(ns.namespace, tags)
            ns.tags = tags
            db.add(ns)
            for item in req.get("resource_type_associations") or []:
                self._associate(db, ns, item, now)
            db.flush()
        return ns

    def get_namespace(self, ctx: RequestContext, name: str) -> MetadefNamespace:
        self._authorize(ctx, "get_metadef_namespace")
        with self.cloud.db.read() as db:
            return self._get(db, ctx, name)

    def update_namespace(self, ctx: RequestContext, name: str, body: Any) -> MetadefNamespace:
        """PUT: the namespace's attributes as sent (Glance's defaults for those left out); a new `namespace`
        renames it."""
        self._authorize(ctx, "modify_metadef_namespace")
        req = _checked("namespace", body, _NAMESPACE_KEYS, ("namespace",))
        if req.get("visibility", "private") not in ("public", "private"):
            raise _invalid("namespace", f"{req['visibility']!r} is not one of ['public', 'private']")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if req["namespace"] != name:
                if db.get(MetadefNamespace, req["namespace"]) is not None:
                    raise Conflict(f"The metadata definition namespace={req['namespace']} already exists.")
                renamed = MetadefNamespace(namespace=req["namespace"], created_at=ns.created_at,
                                           objects=ns.objects, properties=ns.properties, tags=ns.tags,
                                           resource_types=ns.resource_types)
                db.delete(ns)
                db.flush()
                db.add(renamed)
                ns = renamed
            ns.display_name, ns.description = req.get("display_name"), req.get("description")
            ns.visibility, ns.protected = req.get("visibility", "private"), req.get("protected", False)
            ns.owner, ns.updated_at = req.get("owner", ctx.project_id), self.cloud.clock.now()
            db.flush()
        return ns

    def delete_namespace(self, ctx: RequestContext, name: str) -> None:
        """DELETE: the namespace and everything in it; 403 while it is protected."""
        self._authorize(ctx, "delete_metadef_namespace")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if ns.protected:
                raise Forbidden(f"Metadata definition namespace {name} is protected and cannot be deleted.")
            db.delete(ns)

    def delete_contents(self, ctx: RequestContext, name: str, part: str) -> None:
        """DELETE .../objects, .../properties, .../tags: all of that part (403 while protected)."""
        # Glance checks the namespace's delete rule for objects and properties, its own rule for tags.
        self._authorize(ctx, "delete_metadef_tags" if part == "tags" else "delete_metadef_namespace")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if ns.protected:
                raise Forbidden(f"Metadata definition namespace {name} is protected and cannot be deleted.")
            setattr(ns, part, [] if part == "tags" else {})
            ns.updated_at = self.cloud.clock.now()

    # -- objects
    def list_objects(self, ctx: RequestContext, name: str) -> list[dict[str, Any]]:
        self._authorize(ctx, "get_metadef_objects")
        with self.cloud.db.read() as db:
            return list(self._get(db, ctx, name).objects.values())

    def create_object(self, ctx: RequestContext, name: str, body: Any) -> dict[str, Any]:
        self._authorize(ctx, "add_metadef_object")
        obj = _object(body, self.cloud.clock.now())
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if obj["name"] in ns.objects:
                raise Conflict(f"A metadata definition object with name={obj['name']} already exists in "
                               f"namespace={name}.")
            ns.objects = {**ns.objects, obj["name"]: obj}
        return obj

    def get_object(self, ctx: RequestContext, name: str, object_name: str) -> dict[str, Any]:
        self._authorize(ctx, "get_metadef_object")
        with self.cloud.db.read() as db:
            ns = self._get(db, ctx, name)
            return _member(ns, ns.objects, "object", object_name)

    def update_object(self, ctx: RequestContext, name: str, object_name: str, body: Any) -> dict[str, Any]:
        """PUT: the object as sent (a new `name` renames it)."""
        self._authorize(ctx, "modify_metadef_object")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            old = _member(ns, ns.objects, "object", object_name)
            obj = _object(body, self.cloud.clock.now(), old["created_at"])
            if obj["name"] != object_name and obj["name"] in ns.objects:
                raise Conflict(f"A metadata definition object with name={obj['name']} already exists in "
                               f"namespace={name}.")
            objects = {k: v for k, v in ns.objects.items() if k != object_name}
            ns.objects = {**objects, obj["name"]: obj}
        return obj

    def delete_object(self, ctx: RequestContext, name: str, object_name: str) -> None:
        self._authorize(ctx, "delete_metadef_object")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            _member(ns, ns.objects, "object", object_name)
            ns.objects = {k: v for k, v in ns.objects.items() if k != object_name}

    # -- properties
    def list_properties(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        self._authorize(ctx, "get_metadef_properties")
        with self.cloud.db.read() as db:
            return dict(self._get(db, ctx, name).properties)

    def create_property(self, ctx: RequestContext, name: str, body: Any) -> tuple[str, dict[str, Any]]:
        self._authorize(ctx, "add_metadef_property")
        prop_name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(prop_name, str):
            raise _invalid("property", "'name' is a required property")
        definition = _property(prop_name, {k: v for k, v in body.items() if k != "name"})
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if prop_name in ns.properties:
                raise Conflict(f"A metadata definition property with name={prop_name} already exists in "
                               f"namespace={name}.")
            ns.properties = {**ns.properties, prop_name: definition}
        return prop_name, definition

    def get_property(self, ctx: RequestContext, name: str, prop_name: str) -> dict[str, Any]:
        self._authorize(ctx, "get_metadef_property")
        with self.cloud.db.read() as db:
            ns = self._get(db, ctx, name)
            return _member(ns, ns.properties, "property", prop_name)

    def update_property(self, ctx: RequestContext, name: str, prop_name: str,
                        body: Any) -> tuple[str, dict[str, Any]]:
        """PUT: the definition as sent (a new `name` renames it)."""
        self._authorize(ctx, "modify_metadef_property")
        new_name = body.get("name", prop_name) if isinstance(body, dict) else prop_name
        if not isinstance(new_name, str):
            raise _invalid("property", f"{new_name!r} is not of type 'string'")
        definition = _property(new_name, {k: v for k, v in body.items() if k != "name"}
                               if isinstance(body, dict) else body)
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            _member(ns, ns.properties, "property", prop_name)
            if new_name != prop_name and new_name in ns.properties:
                raise Conflict(f"A metadata definition property with name={new_name} already exists in "
                               f"namespace={name}.")
            properties = {k: v for k, v in ns.properties.items() if k != prop_name}
            ns.properties = {**properties, new_name: definition}
        return new_name, definition

    def delete_property(self, ctx: RequestContext, name: str, prop_name: str) -> None:
        self._authorize(ctx, "remove_metadef_property")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            _member(ns, ns.properties, "property", prop_name)
            ns.properties = {k: v for k, v in ns.properties.items() if k != prop_name}

    # -- tags
    def list_tags(self, ctx: RequestContext, name: str) -> list[dict[str, Any]]:
        self._authorize(ctx, "get_metadef_tags")
        with self.cloud.db.read() as db:
            return list(self._get(db, ctx, name).tags)

    def create_tags(self, ctx: RequestContext, name: str, body: Any, append: bool) -> list[dict[str, Any]]:
        """POST .../tags `{"tags": [{"name"}]}`: replaces the namespace's tags, or adds to them with
        `X-OpenStack-Append: True`; 409 for a name twice (case-insensitive)."""
        self._authorize(ctx, "add_metadef_tags")
        items = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise _invalid("tags", "'tags' is a required property")
        now = self.cloud.clock.now()
        new = [_tag(t.get("name") if isinstance(t, dict) else None, now) for t in items]
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            tags = [*ns.tags, *new] if append else new
            _no_duplicate_tags(name, tags)
            ns.tags = tags
        return new

    def _tag_index(self, ns: MetadefNamespace, tag_name: str) -> int:
        for i, t in enumerate(ns.tags):
            if t["name"] == tag_name:
                return i
        raise NotFound(f"The metadata definition tag with name={tag_name} was not found in "
                       f"namespace={ns.namespace}.")

    def create_tag(self, ctx: RequestContext, name: str, tag_name: str) -> dict[str, Any]:
        self._authorize(ctx, "add_metadef_tag")
        new = _tag(tag_name, self.cloud.clock.now())
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            _no_duplicate_tags(name, [*ns.tags, new])
            ns.tags = [*ns.tags, new]
        return new

    def get_tag(self, ctx: RequestContext, name: str, tag_name: str) -> dict[str, Any]:
        self._authorize(ctx, "get_metadef_tag")
        with self.cloud.db.read() as db:
            ns = self._get(db, ctx, name)
            return dict(ns.tags[self._tag_index(ns, tag_name)])

    def update_tag(self, ctx: RequestContext, name: str, tag_name: str, body: Any) -> dict[str, Any]:
        """PUT .../tags/{tag} `{"name": new}`: renames the tag."""
        self._authorize(ctx, "modify_metadef_tag")
        new_name = body.get("name") if isinstance(body, dict) else None
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            i = self._tag_index(ns, tag_name)
            tags = [dict(t) for t in ns.tags]
            tags[i] = {**_tag(new_name, now), "created_at": tags[i]["created_at"]}
            _no_duplicate_tags(name, tags)
            ns.tags = tags
        return tags[i]

    def delete_tag(self, ctx: RequestContext, name: str, tag_name: str) -> None:
        self._authorize(ctx, "delete_metadef_tag")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            i = self._tag_index(ns, tag_name)
            ns.tags = [t for j, t in enumerate(ns.tags) if j != i]

    # -- resource types
    def list_resource_types(self, ctx: RequestContext) -> list[MetadefResourceType]:
        self._authorize(ctx, "list_metadef_resource_types")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(MetadefResourceType).order_by(MetadefResourceType.name)))

    def list_associations(self, ctx: RequestContext, name: str) -> list[dict[str, Any]]:
        self._authorize(ctx, "get_metadef_resource_type")
        with self.cloud.db.read() as db:
            return [dict(a) for a in self._get(db, ctx, name).resource_types]

    def _associate(self, db: Session, ns: MetadefNamespace, body: Any, now: datetime) -> dict[str, Any]:
        req = _checked("resource_type_association", body, _ASSOCIATION_KEYS, ("name",))
        if any(a["name"] == req["name"] for a in ns.resource_types):
            raise Conflict(f"The metadata definition resource-type association of resource-type={req['name']} "
                           f"to namespace={ns.namespace}, already exists.")
        if db.get(MetadefResourceType, req["name"]) is None:  # Glance adds a resource type on first use
            db.add(MetadefResourceType(name=req["name"], protected=False, created_at=now, updated_at=now))
        association = {"name": req["name"], "prefix": req.get("prefix"),
                       "properties_target": req.get("properties_target"), "created_at": timestamp(now),
                       "updated_at": timestamp(now)}
        association = {k: v for k, v in association.items() if v is not None}
        ns.resource_types = [*ns.resource_types, association]
        return association

    def create_association(self, ctx: RequestContext, name: str, body: Any) -> dict[str, Any]:
        self._authorize(ctx, "add_metadef_resource_type_association")
        with self.cloud.db.write() as db:
            return self._associate(db, self._get(db, ctx, name), body, self.cloud.clock.now())

    def delete_association(self, ctx: RequestContext, name: str, type_name: str) -> None:
        self._authorize(ctx, "remove_metadef_resource_type_association")
        with self.cloud.db.write() as db:
            ns = self._get(db, ctx, name)
            if not any(a["name"] == type_name for a in ns.resource_types):
                raise NotFound(f"The metadata definition resource-type association of resource-type={type_name} "
                               f"to namespace={name}, was not found.")
            ns.resource_types = [a for a in ns.resource_types if a["name"] != type_name]
