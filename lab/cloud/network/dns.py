"""DNS integration (Neutron's dns-integration and dns-domain-ports extensions): a port's `dns_name` and
`dns_domain`, a network's `dns_domain`, and the `dns_assignment` every port reports, one entry per fixed IP:
its host name (the `dns_name`, else `host-10-0-0-5` from the address) and the FQDN in the lab's DNS domain
(`openstacklocal.`, Neutron's default `dns_domain`).

The lab runs no external DNS service (Designate): as Neutron without an `external_dns_driver`, a floating IP's
`dns_name` and `dns_domain` are validated and then not kept (they read ""), and nothing is published.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud import validation as V
from lab.cloud.network.models import DnsAttributes

DNS_DOMAIN = "openstacklocal."  # neutron.conf [DEFAULT] dns_domain
FQDN_MAX = 255  # neutron-lib's FQDN_FIELD_SIZE
LABEL = re.compile(r"^[a-z0-9-]{1,63}$", re.I)


def _format_error(value: str) -> str | None:
    """neutron-lib's _validate_dns_format: RFC 1123 labels, a trailing dot allowed, no all-numeric TLD."""
    trimmed = value[:-1] if value.endswith(".") else value
    if len(trimmed) > FQDN_MAX:
        reason = f"'{trimmed}' exceeds the {FQDN_MAX} character FQDN limit"
    else:
        labels, reason = trimmed.split("."), ""
        for label in labels:
            if not label:
                reason = "Encountered an empty component"
            elif label.startswith("-") or label.endswith("-"):
                reason = f"Name '{label}' must not start or end with a hyphen"
            elif not LABEL.match(label):
                reason = f"Name '{label}' must be 1-63 characters long, each of which can only be alphanumeric " \
                         f"or a hyphen"
            if reason:
                break
        if not reason and len(labels) > 1 and labels[-1].isdigit():
            reason = f"TLD '{labels[-1]}' must not be all numeric"
    return f"'{value}' not a valid PQDN or FQDN. Reason: {reason}" if reason else None


def _string(w: V.Wording, attr: str, value: Any) -> str:
    if not isinstance(value, str):
        raise w.bad(attr, value, f"'{value}' is not a valid string")
    return value


def dns_name(w: V.Wording, attr: str, value: Any) -> str:
    """A port's dns_name (validate_dns_name): a PQDN or FQDN, or "" to clear it."""
    value = _string(w, attr, value)
    error = _format_error(value) if value else None
    if error:
        raise w.bad(attr, value, error)
    return value


def dns_domain(w: V.Wording, attr: str, value: Any) -> str:
    """A dns_domain (validate_dns_domain): an FQDN (ending in a dot), or ""."""
    value = _string(w, attr, value)
    if not value:
        return value
    if not value.endswith("."):
        raise w.bad(attr, value, f"'{value}' is not a FQDN")
    error = _format_error(value)
    if error:
        raise w.bad(attr, value, error)
    if len(value) > FQDN_MAX - 2:
        raise w.bad(attr, value, f"'{value}' contains {len(value)} characters. Adding a sub-domain will cause "
                                        f"it to exceed the maximum length of a FQDN of '{FQDN_MAX}'")
    return value


def fip_dns_name(w: V.Wording, attr: str, value: Any) -> str:
    """A floating IP's dns_name (validate_fip_dns_name): a relative name."""
    value = _string(w, attr, value)
    if not value:
        return value
    if value.endswith("."):
        raise w.bad(attr, value, f"'{value}' is a FQDN. It should be a relative domain name")
    error = _format_error(value)
    if error:
        raise w.bad(attr, value, error)
    if len(value) > FQDN_MAX - 3:
        raise w.bad(attr, value, f"'{value}' contains {len(value)} characters. Adding a domain name will "
                                        f"cause it to exceed the maximum length of a FQDN of '{FQDN_MAX}'")
    return value


def store(db: Session, object_type: str, object_id: str, attrs: dict[str, Any]) -> None:
    """Keep the `dns_name` / `dns_domain` a create or update gives (a row only while one is set)."""
    given = {key: attrs[key] for key in ("dns_name", "dns_domain") if key in attrs}
    if not given:
        return
    row = db.get(DnsAttributes, (object_type, object_id)) or DnsAttributes(
        object_type=object_type, object_id=object_id, dns_name="", dns_domain="")
    for key, value in given.items():
        setattr(row, key, value)
    if row.dns_name or row.dns_domain:
        db.add(row)
    elif db.get(DnsAttributes, (object_type, object_id)) is not None:
        db.delete(row)
    db.flush()


def forget(db: Session, object_type: str, object_id: str) -> None:
    db.execute(delete(DnsAttributes).where(DnsAttributes.object_type == object_type,
                                           DnsAttributes.object_id == object_id))


def of(db: Session, object_type: str, ids: list[str]) -> dict[str, DnsAttributes]:
    return {r.object_id: r for r in db.scalars(select(DnsAttributes).where(
        DnsAttributes.object_type == object_type, DnsAttributes.object_id.in_(ids)))}


def assignment(name: str, fixed_ips: list[dict[str, str]]) -> list[dict[str, str]]:
    """Neutron's _get_dns_names_for_port: one host name and FQDN per fixed IP."""
    out = []
    for ip in fixed_ips:
        address = ip["ip_address"]
        hostname = name or "host-" + address.replace(".", "-").replace(":", "-")
        fqdn = name if name.endswith(".") else f"{hostname}.{DNS_DOMAIN}"
        out.append({"ip_address": address, "hostname": hostname, "fqdn": fqdn})
    return out


def port_attributes(row: DnsAttributes | None, fixed_ips: list[dict[str, str]]) -> dict[str, Any]:
    name = row.dns_name if row is not None else ""
    return {"dns_name": name, "dns_domain": row.dns_domain if row is not None else "",
            "dns_assignment": assignment(name, fixed_ips)}
