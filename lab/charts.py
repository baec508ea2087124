"""Billing and usage charts as images (matplotlib): what `stacklab billing ... --png/--svg FILE` writes, what the
notebooks draw and what the course shows. The console (Textual) keeps its own terminal charts.

Every function takes the billing API's JSON as it comes over the wire (`/usage`, `/account`, `/bills/...`), so
the same call draws a chart from the CLI, from a notebook or from a saved answer, and returns a matplotlib
Figure; `save()` writes it as PNG or SVG by the file's suffix. Matplotlib runs headless (the Agg backend) and SVG
output is reproducible (fixed ids, no date), so images committed to the course only change when the data does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["balance_over_time", "balance_points", "cinder_quota_rows", "class_cost", "neutron_quota_rows",
           "nova_quota_rows", "parse_time", "quota_use", "save", "usage_by_category", "usage_by_day"]

# One colour per bill category, the same in every chart (matplotlib's default cycle, in a fixed order).
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _pyplot() -> Any:
    import sys

    import matplotlib

    if "ipykernel" not in sys.modules:  # a notebook keeps its inline backend; a terminal has no display
        matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "stacklab"  # stable element ids: reproducible SVG files
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, readable by a screen reader
    import matplotlib.pyplot as plt

    return plt


def _figure(width: float = 8.0, height: float = 4.0) -> tuple[Any, Any]:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return fig, ax


def _colour(categories: list[str], category: str) -> str:
    return COLOURS[categories.index(category) % len(COLOURS)]


def parse_time(text: str) -> datetime:
    """An API time ('2026-11-21T18:00:00Z') as a naive UTC datetime, as the charts plot them."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def usage_by_day(usage: Mapping[str, Any]) -> Any:
    """Stacked bars: the cost of each day of the month, by category. `usage` is `/usage`'s `usage` object."""
    fig, ax = _figure()
    days = list(usage.get("days") or [])
    categories = sorted({c for d in days for c in d["categories"]})
    labels = [d["date"][5:] for d in days]
    bottom = [0.0] * len(days)
    for category in categories:
        values = [float(d["categories"].get(category, 0)) for d in days]
        ax.bar(labels, values, bottom=bottom, label=category, color=_colour(categories, category))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(f"Cost per day, {usage.get('month', '')} — {_who(usage)}")
    ax.set_ylabel(usage.get("currency", ""))
    if categories:
        ax.legend(loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no usage this month", transform=ax.transAxes, ha="center", va="center")
    if len(labels) > 12:
        ax.tick_params(axis="x", labelrotation=90, labelsize="small")
    return fig


def usage_by_category(bill: Mapping[str, Any]) -> Any:
    """Horizontal bars: a bill's line items (resource name and type) by total, the costliest on top."""
    fig, ax = _figure()
    lines = sorted(bill.get("line_items") or [], key=lambda li: Decimal(li["total"]))
    categories = sorted({li["category"] for li in lines})
    labels = [f"{li['name'] or li['resource_id'][:8]} ({li['type']})" for li in lines]
    ax.barh(labels, [float(li["total"]) for li in lines],
            color=[_colour(categories, li["category"]) for li in lines])
    ax.set_title(f"Bill {bill.get('month', '')} by resource — {_who(bill)}: total {bill.get('total')} "
                 f"{bill.get('currency', '')}")
    ax.set_xlabel(bill.get("currency", ""))
    ax.grid(axis="x", alpha=0.3)
    if not lines:
        ax.text(0.5, 0.5, "nothing billed", transform=ax.transAxes, ha="center", va="center")
    return fig


def balance_points(account: Mapping[str, Any], usage_months: Iterable[Mapping[str, Any]],
                   now: datetime | None = None) -> list[tuple[datetime, Decimal]]:
    """(time, balance), in time order, from the account's credit history and each day's cost: a credit is a
    jump (two points at its time, before and after); a prepaid project's usage takes the balance down over each
    day, to a point at the day's end (a pay-as-you-go project's usage is invoiced instead, and an invoice paid
    from credit is a transaction). The usage API counts by day, so a credit in the middle of a day is drawn
    after the share of that day's cost its hour stands for. With `now`, the last point is the cloud's own
    balance at that moment."""
    day_cost: dict[datetime, Decimal] = {}
    if account.get("mode") == "prepaid":
        for usage in usage_months:
            for day in usage.get("days") or []:
                day_cost[datetime.fromisoformat(day["date"])] = Decimal(day["total"])
    credits = sorted((parse_time(t["time"]), Decimal(t["amount"])) for t in account.get("transactions") or [])
    moments = sorted({*[c[0] for c in credits], *[d + timedelta(days=1) for d in day_cost]})
    points: list[tuple[datetime, Decimal]] = []
    balance, taken = Decimal(0), dict.fromkeys(day_cost, Decimal(0))
    for when in moments:
        if now is not None and when > now:
            when = now
        for day, cost in day_cost.items():  # the days' cost up to this moment, not yet taken off
            share = cost * Decimal(min(max((when - day) / timedelta(days=1), 0.0), 1.0))
            share = share.quantize(Decimal("0.0001"))
            balance -= share - taken[day]
            taken[day] = share
        gained = sum((amount for at, amount in credits if at == when), Decimal(0))
        if gained and points:
            points.append((when, balance))
        balance += gained
        points.append((when, balance))
    if now is not None and account.get("balance") is not None:
        points.append((now, Decimal(account["balance"])))  # the cloud's own figure, to the minute
    return points


def balance_over_time(account: Mapping[str, Any], usage_months: Iterable[Mapping[str, Any]],
                      now: datetime | None = None) -> Any:
    """A line: the account's balance over lab time (see `balance_points`), with zero marked."""
    fig, ax = _figure()
    points = balance_points(account, usage_months, now)
    if points:
        ax.plot([p[0] for p in points], [float(p[1]) for p in points], marker="o", markersize=3)
    ax.axhline(0, color="#d62728", linewidth=1, linestyle="--")
    ax.set_title(f"Balance over time — {_who(account)} ({account.get('mode', '')})")
    ax.set_ylabel(account.get("currency", ""))
    fig.autofmt_xdate()
    return fig


def class_cost(bills: Iterable[Mapping[str, Any]]) -> Any:
    """Stacked horizontal bars: each student's bill for a month by category (the instructor's view)."""
    rows = sorted(bills, key=lambda b: b.get("project_name") or b.get("project_id", ""), reverse=True)
    categories = sorted({c["category"] for b in rows for c in b.get("categories") or []})
    fig, ax = _figure(8.0, max(3.0, 0.35 * len(rows) + 1.5))
    labels = [b.get("project_name") or b.get("project_id", "")[:8] for b in rows]
    left = [0.0] * len(rows)
    ax.barh(labels, left, color="none")  # every project gets its row, even one that cost nothing yet
    for category in categories:
        values = [float(next((c["total"] for c in b.get("categories") or [] if c["category"] == category), 0))
                  for b in rows]
        ax.barh(labels, values, left=left, label=category, color=_colour(categories, category))
        left = [a + v for a, v in zip(left, values, strict=True)]
    total = sum((Decimal(b.get("total", "0")) for b in rows), Decimal(0))
    month = next((b.get("month") for b in rows), "")
    currency = next((b.get("currency") for b in rows), "")
    ax.set_title(f"Class cost {month}: {len(rows)} projects, total {total:.2f} {currency}")
    ax.set_xlabel(currency or "")
    ax.grid(axis="x", alpha=0.3)
    if categories:
        ax.legend(loc="lower right", fontsize="small")
    return fig


def nova_quota_rows(absolute: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(label, used, limit) from Nova's `/limits` `absolute` object: instances, cores, RAM, server groups."""
    pairs = [("instances", "totalInstancesUsed", "maxTotalInstances"), ("cores", "totalCoresUsed", "maxTotalCores"),
             ("RAM (MB)", "totalRAMUsed", "maxTotalRAMSize"),
             ("server groups", "totalServerGroupsUsed", "maxServerGroups")]
    return [(label, int(absolute[used]), int(absolute[top])) for label, used, top in pairs
            if used in absolute and top in absolute]


def neutron_quota_rows(details: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(label, used, limit) from Neutron's quota details (`/quotas/{project}/details`: {"used", "limit"} per
    resource, as openstacksdk's `get_quota(project, details=True)` gives them)."""
    rows = []
    for key in ("network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule"):
        value = details.get(key) or details.get(key + "s")
        if isinstance(value, Mapping) and "used" in value and "limit" in value:
            rows.append((key.replace("_", " "), int(value["used"]), int(value["limit"])))
    return rows


def cinder_quota_rows(usage: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(label, used, limit) from Cinder's quota set with usage (`?usage=true`: {"in_use", "limit"} each)."""
    rows = []
    for key in ("volumes", "gigabytes", "snapshots", "backups"):
        value = usage.get(key)
        if isinstance(value, Mapping) and "in_use" in value and "limit" in value:
            rows.append((key, int(value["in_use"]), int(value["limit"])))
    return rows


def quota_use(rows: Iterable[tuple[str, int, int]], title: str = "Quota use") -> Any:
    """Horizontal bars: each quota's use as a share of its limit, labelled used/limit (∞ for -1); a quota
    that is full is drawn red. `rows` come from `nova_quota_rows`, `neutron_quota_rows` or `cinder_quota_rows`."""
    items = list(rows)
    fig, ax = _figure(8.0, max(2.5, 0.45 * len(items) + 1.2))
    shares = [0.0 if top == -1 else (100.0 if top == 0 else min(100.0, 100.0 * used / top)) for _, used, top in items]
    labels = [label for label, _, _ in items]
    bars = ax.barh(labels, shares, color=["#d62728" if share >= 100 else "#1f77b4" for share in shares])
    for bar, (_, used, top) in zip(bars, items, strict=True):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{used}/{'∞' if top == -1 else top}",
                va="center", fontsize="small")
    ax.invert_yaxis()  # the first row on top, as listed
    ax.set_xlim(0, 118)
    ax.set_xlabel("% of quota used")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _who(body: Mapping[str, Any]) -> str:
    name, project_id = body.get("project_name"), body.get("project_id", "")
    return f"{name} ({project_id[:8]})" if name else project_id


def save(fig: Any, path: Path | str) -> Path:
    """Write `fig` as PNG or SVG (by the suffix of `path`); return the path. Raises ValueError for another
    suffix. The figure is closed afterwards (a CLI drawing many charts does not keep them all)."""
    target = Path(path)
    kind = target.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise ValueError(f"{target}: charts are written as .png or .svg")
    metadata = {"Date": None} if kind == "svg" else {}
    fig.savefig(target, format=kind, dpi=110, metadata=metadata)
    _pyplot().close(fig)
    return target
