"""Extra DHCP options (Neutron's extra_dhcp_opt extension): a port's `extra_dhcp_opts`, a list of
`{"opt_name", "opt_value", "ip_version"}` (PXE's bootfile-name, tftp-server, ...), kept as data: the lab's DHCP
does not hand them out.

As Neutron's extradhcpopt_db: a create stores every option with a value; an update changes the option of the
same name and IP version (4 unless given), adds a new one, and removes one whose value is null. Only `router`
and `classless-static-route` may have an empty value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import validation as V
from lab.cloud.network.models import ExtraDhcpOpt

BLANK_ALLOWED = ("router", "classless-static-route")  # neutron-lib's VALID_BLANK_EXTRA_DHCP_OPTS
NAME_MAX, VALUE_MAX = 64, 255


def check(w: V.Wording, attr: str, value: Any) -> list[dict[str, Any]] | None:
    """neutron-lib's type:list_of_any_key_specs_or_none over EXTRA_DHCP_OPT_KEY_SPECS: null, or a list of
    objects with exactly opt_name and opt_value (and optionally ip_version 4 or 6)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise w.bad(attr, value, f"'{value}' is not a list")
    out = []
    for item in value:
        if not isinstance(item, dict) or not {"opt_name", "opt_value"} <= set(item) or \
                set(item) - {"opt_name", "opt_value", "ip_version"}:
            raise w.bad(attr, value, f"'{item}' is not a valid extra DHCP option")
        name, opt_value, version = item["opt_name"], item["opt_value"], item.get("ip_version", 4)
        try:
            version = int(version)
        except (TypeError, ValueError):
            version = None
        one_line = isinstance(name, str) and len(name.strip()) > 0 and len(name) <= NAME_MAX and "\n" not in name
        # a blank-allowed option's value is any string (or null); another's a non-empty single line (or null)
        value_ok = opt_value is None or (isinstance(opt_value, str) and len(opt_value) <= VALUE_MAX and (
            name in BLANK_ALLOWED or ("\n" not in opt_value and opt_value.strip() != "")))
        if not one_line or not value_ok or version not in (4, 6):
            raise w.bad(attr, value, f"'{item}' is not a valid extra DHCP option")
        out.append({"opt_name": name, "opt_value": opt_value, "ip_version": version})
    return out


def store(db: Session, port_id: str, attrs: dict[str, Any]) -> None:
    """Apply a create's or an update's `extra_dhcp_opts` (absent, null or [] changes nothing)."""
    for opt in attrs.get("extra_dhcp_opts") or []:
        row = db.get(ExtraDhcpOpt, (port_id, opt["opt_name"], opt["ip_version"]))
        if row is not None and opt["opt_value"] is None:
            db.delete(row)
        elif row is not None:
            row.opt_value = opt["opt_value"]
        elif opt["opt_value"] is not None:
            db.add(ExtraDhcpOpt(port_id=port_id, opt_name=opt["opt_name"], ip_version=opt["ip_version"],
                                opt_value=opt["opt_value"]))
    db.flush()


def of(db: Session, port_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The options of each port, as Neutron shows them."""
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in port_ids}
    for row in db.scalars(select(ExtraDhcpOpt).where(ExtraDhcpOpt.port_id.in_(port_ids))
                          .order_by(ExtraDhcpOpt.opt_name, ExtraDhcpOpt.ip_version)):
        out[row.port_id].append({"opt_name": row.opt_name, "opt_value": row.opt_value,
                                 "ip_version": row.ip_version})
    return out
