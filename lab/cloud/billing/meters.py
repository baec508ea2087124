"""What billing meters: the plugins' `Meter`s (lab/cloud/plugin.py), gathered once per lab by `Cloud.meters`.

Billing names no service: a plugin that declares `Meter("toy", "presence", "toys", "0.5", "hour")` and records
create and delete events for resource type `toy` is metered, priced (at its default price until the price list
has a `toy` entry) and billed under `toys` without any change here.

A meter's ledger name is its resource type, except that a `server` measure meters two states: the resource type
while running and `<type>.stopped` while stopped (priced at the price list's `stopped_factor`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lab.cloud.plugin import Meter

STOPPED = ".stopped"


class MeterTable:
    """The registered meters by resource type."""

    def __init__(self, meters: Iterable[Meter]):
        self.by_type: dict[str, Meter] = {}
        for meter in meters:
            if meter.resource_type in self.by_type:
                raise ValueError(f"resource type {meter.resource_type} is metered by two plugins")
            self.by_type[meter.resource_type] = meter

    def __iter__(self) -> Iterator[Meter]:
        return iter(self.by_type.values())

    @property
    def resource_types(self) -> tuple[str, ...]:
        return tuple(self.by_type)

    def get(self, resource_type: str) -> Meter | None:
        return self.by_type.get(resource_type)

    def of(self, ledger_meter: str) -> Meter | None:
        """The meter behind a ledger meter name (`server.stopped` is the `server` meter)."""
        return self.by_type.get(ledger_meter.removesuffix(STOPPED))

    def category(self, ledger_meter: str) -> str:
        """The bill heading of a ledger meter; a meter no plugin declares any more keeps its own name."""
        meter = self.of(ledger_meter)
        return meter.category if meter is not None else ledger_meter.removesuffix(STOPPED)

    def is_server(self, name: str) -> bool:
        meter = self.of(name)
        return meter is not None and meter.measure == "server"

    def is_sized(self, name: str) -> bool:
        """Priced per GB (a `size` or `bytes` measure) as well as per time."""
        meter = self.by_type.get(name)
        return meter is not None and meter.measure in ("size", "bytes")
