"""Money and the price list: decimal amounts, the units prices are quoted in, and what each meter costs.

Money is `decimal.Decimal` from end to end: amounts arrive as strings (or integers), are kept exactly, and are
rounded only where a person reads them: a bill's line total is rounded half-up to the cent once, from the exact
usage, and every other total is a sum of rounded line totals (so a bill always adds up).

A price list is a small document (YAML on disk, JSON over the API) with one entry per metered resource type
(the plugins' meters, see meters.py): a `server` measure is priced per flavor, with a per-vCPU/per-GB-RAM
fallback and a `stopped_factor`; every other meter by `price` and `unit` (per GB too for sized ones). An entry
the list leaves out is the meter's default price (so a new service is billed before anyone edits the list).
See `default_prices.yaml` for the shipped one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

import yaml

from lab.cloud.billing.meters import STOPPED, MeterTable
from lab.cloud.errors import BadRequest
from lab.cloud.plugin import Meter
from lab.cloud.validation import KEYSTONE

DEFAULT_PRICE_FILE = Path(__file__).with_name("default_prices.yaml")
CENT = Decimal("0.01")
HOUR_MS = 3_600_000
# A month is 30 days for per-month prices (720 hours), whatever the calendar month: stated in the docs.
UNIT_MS = {"hour": HOUR_MS, "day": 24 * HOUR_MS, "month": 30 * 24 * HOUR_MS}
TIME_UNITS = tuple(UNIT_MS)
SIZE_UNITS = tuple(f"GB-{u}" for u in UNIT_MS)

# Every amount that arrives (a top-up, a coupon, a budget, a price, a starting balance) is at most this, with at
# most MAX_PLACES decimal places: enough for any class, and far inside what Decimal's 28 digits compute exactly
# (a price of 10^9 per GB-hour for 10^6 GB over ten years is still a 23-digit amount). Documented in
# course/reference/billing.md.
MAX_AMOUNT = Decimal("1000000000")
MAX_PLACES = 12


def parse_money(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    """A decimal amount from a string or integer (a float only through its shortest text, as YAML gives it).
    Raises BadRequest naming `field` for anything else, for NaN/infinity, for a negative amount, for more than
    MAX_AMOUNT (either sign) and for more than MAX_PLACES decimal places."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise KEYSTONE.bad(field, None, "an amount such as \"10.00\" is required.")
    text = str(value).strip()
    if len(text) > 64:  # before Decimal() parses it: a megabyte of digits is refused without the arithmetic
        raise KEYSTONE.bad(field, None, f"at most {MAX_AMOUNT:,} is allowed.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise KEYSTONE.bad(field, None, f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise KEYSTONE.bad(field, None, f"{value!r} is not an amount.")
    if amount < 0 and not allow_negative:
        raise KEYSTONE.bad(field, None, "the amount must not be negative.")
    if abs(amount) > MAX_AMOUNT:
        raise KEYSTONE.bad(field, None, f"at most {MAX_AMOUNT:,} is allowed.")
    if amount.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        raise KEYSTONE.bad(field, None, f"at most {MAX_PLACES} decimal places.")
    return amount


def round_money(amount: Decimal, step: Decimal = CENT) -> Decimal:
    """Half-up to the cent (or `step`): the one rounding rule for money a person reads. The precision grows
    with the amount, so a value stored before amounts were bounded still shows instead of raising
    InvalidOperation."""
    with localcontext() as context:
        context.prec = max(context.prec, amount.adjusted() - step.as_tuple().exponent + 2)  # type: ignore[operator]
        return amount.quantize(step, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    """How money goes on the wire: a string with two decimals ("12.30"), never a JSON float."""
    return str(round_money(amount))


def size_multiplier(unit: str, size: Decimal) -> Decimal:
    """A per-GB unit multiplies by the size; a time-only unit prices the resource as a whole."""
    return size if unit.startswith("GB-") else Decimal(1)


def unit_ms(unit: str) -> int:
    return UNIT_MS[unit.removeprefix("GB-")]


def amount_for(milliseconds: int, size: Decimal, price: Decimal, unit: str) -> Decimal:
    """The exact (unrounded) cost of using `size` for `milliseconds` at `price` per `unit`."""
    return Decimal(milliseconds) * size_multiplier(unit, size) * price / Decimal(unit_ms(unit))


def quantity_for(milliseconds: int, size: Decimal, unit: str) -> Decimal:
    """Usage in the price's unit (hours, GB-months, ...), exact."""
    return Decimal(milliseconds) * size_multiplier(unit, size) / Decimal(unit_ms(unit))


@dataclass(frozen=True)
class Rate:
    """What one meter costs: `price` per `unit`."""

    price: Decimal
    unit: str


@dataclass(frozen=True)
class PriceList:
    """A validated price list. `document` is its canonical form (strings for amounts), as shown and stored:
    an entry for every meter (the given one, else the meter's default)."""

    document: dict[str, Any]

    def rate(self, meter: str, variant: str, vcpus: int = 0, ram_mb: int = 0) -> Rate:
        """The rate of ledger meter `meter` (`variant` is the flavor name for a server measure). Raises KeyError
        for a meter the list has no entry for (no plugin declares it)."""
        entry = self.document[meter.removesuffix(STOPPED)]
        if "flavors" in entry:  # a server measure
            listed = entry["flavors"].get(variant)
            price = (Decimal(listed) if listed is not None else
                     Decimal(entry["per_vcpu"]) * vcpus + Decimal(entry["per_gb_ram"]) * Decimal(ram_mb) / 1024)
            if meter.endswith(STOPPED):
                price *= Decimal(entry["stopped_factor"])
            return Rate(price, entry["unit"])
        return Rate(Decimal(entry["price"]), entry["unit"])


def _unit(value: Any, where: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise BadRequest(f"Invalid price list: {where}.unit must be one of {', '.join(allowed)}.")
    return str(value)


def _keys(entry: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise BadRequest(f"Invalid price list: {where} must be a mapping.")
    unknown = set(entry) - allowed
    if unknown:
        raise BadRequest(f"Invalid price list: unknown key(s) in {where}: {', '.join(sorted(map(str, unknown)))}.")
    return entry


def parse_price_list(document: Any, meters: MeterTable) -> PriceList:
    """Validate a price list document against the registered meters and return it in canonical form (the
    entries in the document's order, then the defaults of the meters it leaves out). Raises BadRequest saying
    what is wrong (an unknown key, a negative or unreadable amount, a unit that does not fit the resource)."""
    doc = _keys(document, "the price list", set(meters.resource_types))
    canonical: dict[str, Any] = {}
    for name in [*doc, *(m.resource_type for m in meters if m.resource_type not in doc)]:
        meter = meters.get(name)
        assert meter is not None
        given = doc[name] if name in doc else default_entry(meter)
        canonical[name] = (_server_entry(name, given) if meter.measure == "server"
                           else _simple_entry(name, given, meters.is_sized(name)))
    return PriceList(canonical)


def default_entry(meter: Meter) -> dict[str, Any]:
    """A meter's entry when the price list has none: its default price per unit (for a server measure, per
    vCPU of any flavor)."""
    if meter.measure == "server":
        return {"unit": meter.unit, "per_vcpu": meter.price}
    return {"price": meter.price, "unit": meter.unit}


def _server_entry(name: str, given: Any) -> dict[str, Any]:
    server = _keys(given, name, {"unit", "flavors", "per_vcpu", "per_gb_ram", "stopped_factor"})
    flavors = server.get("flavors") or {}
    if not isinstance(flavors, dict):
        raise BadRequest(f"Invalid price list: {name}.flavors must be a mapping of flavor name to price.")
    factor = parse_money(server.get("stopped_factor", "0"), f"{name}.stopped_factor")
    if factor > 1:
        raise BadRequest(f"Invalid price list: {name}.stopped_factor is a share of the running price, 0 to 1.")
    return {
        "unit": _unit(server.get("unit", "hour"), name, TIME_UNITS),
        "flavors": {str(flavor): str(parse_money(price, f"{name}.flavors.{flavor}"))
                    for flavor, price in flavors.items()},
        "per_vcpu": str(parse_money(server.get("per_vcpu", "0"), f"{name}.per_vcpu")),
        "per_gb_ram": str(parse_money(server.get("per_gb_ram", "0"), f"{name}.per_gb_ram")),
        "stopped_factor": str(factor)}


def _simple_entry(name: str, given: Any, sized: bool) -> dict[str, Any]:
    entry = _keys(given, name, {"price", "unit"})
    if "price" not in entry:
        raise BadRequest(f"Invalid price list: {name}.price is required.")
    units = TIME_UNITS + SIZE_UNITS if sized else TIME_UNITS
    return {"price": str(parse_money(entry["price"], f"{name}.price")),
            "unit": _unit(entry.get("unit", "hour"), name, units)}


def load_price_file(path: Path, meters: MeterTable) -> tuple[PriceList, str]:
    """The price list in a YAML file and the sha256 of its text. Raises ValueError naming the file."""
    text = path.read_text()
    try:
        prices = parse_price_list(yaml.safe_load(text), meters)
    except (yaml.YAMLError, BadRequest) as exc:
        message = exc.message if isinstance(exc, BadRequest) else str(exc)
        raise ValueError(f"{path}: {message}") from None
    return prices, hashlib.sha256(text.encode()).hexdigest()
