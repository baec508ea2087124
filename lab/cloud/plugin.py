"""The seam every service plugs into: a service is a package with a `plugin.py` that declares one `Plugin`.

`Cloud` builds its services from one list of such packages (`lab.cloud.app.PLUGINS`) and nothing else in the
code names a service to find its hooks. A plugin says, as data:

    spec        where it is mounted, its error style, its catalog entries and microversion range
    service     the class of its behaviour (built once per lab with the `Cloud`)
    routes      the module serving its HTTP API (`routes`, and optionally `root` and `extra_mounts`)
    policies    its policy rules (`lab.cloud.policy.Rule`: OpenStack's names, check strings, descriptions)
    quotas      its quota resources (`lab.cloud.quotas.Resource`: default limit and how usage is counted)
    meters      what billing meters of it (`Meter`: an event resource type, how it is measured, its price)
    jobs        its worker job handlers (`lab.cloud.worker.Handler` by job kind)
    periodic    what the worker runs every so many seconds of lab time (`Periodic`: telemetry's collector)
    screens     its console screens (`Screen`: a "module:Class" of `lab.tui`, shown when its catalog type is)
    tempest     the tempest suite that tests it (`Tempest`), if any

and its service object may implement the `Service` hooks: `bootstrap` (what a fresh lab needs), `recover` (work
a killed process left half-done), `purge_project` (what a student reset removes, inside the reset's transaction,
recording its own delete events) and `after_purge` (what the purge left outside the database: files, guests).

How to add a service: see course/reference/architecture.md ("How to add a service").
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from lab.cloud.microversion import Microversions

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.policy import Rule
    from lab.cloud.quotas import Resource
    from lab.cloud.worker import Handler


@dataclass(frozen=True)
class CatalogEntry:
    type: str
    name: str
    path: str  # appended to the public URL; `$(project_id)s` is filled per token, as Keystone does


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # the key in `Cloud.services`
    mount: str
    style: str  # error body style: a built-in one or the service's own "module:function" (errors.error_body)
    catalog: tuple[CatalogEntry, ...] = ()
    # The microversions served (lab/cloud/microversion.py): a range, or (header service name, version) for a
    # service that serves exactly one.
    microversion: Microversions | tuple[str, str] | None = None

    def microversions(self) -> Microversions | None:
        """The range served, if the service has microversions."""
        if self.microversion is None or isinstance(self.microversion, Microversions):
            return self.microversion
        service, version = self.microversion
        return Microversions(service, version, version,
                             "X-OpenStack-Nova-API-Version" if service == "compute" else None)


@dataclass(frozen=True)
class Meter:
    """A kind of resource billing meters, read from the event table (lab.cloud.events).

    measure: "presence" (billed while it exists), "size" (GB from the events' `size`), "bytes" (bytes from the
    events' `size`, billed per GB), or "server" (by flavor, running or stopped). `category` is the bill's line
    heading; `price` and `unit` are the default price list entry, used when the lab's price list has none."""

    resource_type: str
    measure: Literal["presence", "size", "bytes", "server"]
    category: str
    price: str = "0"
    unit: str = "hour"


@dataclass(frozen=True)
class Periodic:
    """A task the worker thread runs every `every` seconds of lab time (and once at start, and once after a
    clock jump, however long): `run` is "module:function" taking the `Cloud`. It keeps its own progress in the
    database, so it needs no job row (a job that re-queues itself forever would never let the queue drain)."""

    name: str
    every: float
    run: str


@dataclass(frozen=True)
class Screen:
    """A console screen: `screen` is "module:Class" (imported by the console only), shown when the catalog has
    one of `catalog_types`."""

    key: str
    title: str
    screen: str
    catalog_types: frozenset[str] = frozenset()
    admin_only: bool = False
    order: int = 100  # its place in the console's navigation (and its number key), lowest first


AdminGet = Callable[[str], dict[str, Any]]  # GET a path of a live lab as its admin: the JSON answer


@dataclass(frozen=True)
class Tempest:
    """The tempest tests of a service: the `tempest.api.<package>` tests (or, for a tempest plugin's, the tests
    under `package` when it is a dotted module path) matched by `regexes` must pass;
    `expected_failures` maps a test id (or id prefix) to why it fails (reported, not asserted); `conf` names a
    function ("module:function") that, given an `AdminGet`, returns the tempest.conf options the service needs
    from a live lab (an image id, the public network)."""

    package: str  # "compute" for tempest.api.compute; a dotted name is a plugin's package (heat_tempest_plugin...)
    catalog_type: str
    service_available: str = ""
    regexes: tuple[str, ...] = ()
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    conf: str = ""
    credentials: bool = False  # `conf` also takes the admin's AdminCredentials (a plugin with static accounts)


@dataclass(frozen=True)
class AdminCredentials:
    """How the admin signs in to a live lab: for a tempest plugin whose tests use static credentials."""

    auth_url: str  # the Keystone v3 URL
    username: str
    password: str
    project_name: str
    domain_name: str


@dataclass
class Purge:
    """One student reset in progress: a plugin's `purge_project` removes the project's resources in `db` (the
    reset's one transaction), counts them in `removed`, and leaves what lies outside the database (file names,
    guest names) under its own name in `leftovers`, which `after_purge` gets once the transaction committed."""

    db: Session
    now: datetime
    project_id: str
    user_ids: list[str]
    removed: Counter[str] = field(default_factory=Counter)
    leftovers: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Service(Protocol):
    """What every service object is: built with the lab's `Cloud`. The hooks below are optional (a plugin's
    service defines those it needs); `Cloud` calls them for every plugin, in the order of the plugin list."""

    def __init__(self, cloud: Cloud) -> None: ...


class Bootstraps(Protocol):
    def bootstrap(self) -> None:
        """Create what a fresh lab needs; idempotent (an existing lab only gains what is missing)."""


class Recovers(Protocol):
    def recover(self) -> None:
        """At every start: finish or undo what a killed process left half-done."""


class Purges(Protocol):
    def purge_project(self, purge: Purge) -> None:
        """Remove everything of `purge.project_id` (and of `purge.user_ids`) this service holds, in `purge.db`,
        recording the delete events as an API delete would. Raise a CloudError to refuse: nothing is changed."""

    def after_purge(self, leftovers: Any) -> None:
        """After the reset committed (and again after a crash): remove what `purge_project` left in
        `Purge.leftovers`; succeeds when it is gone already."""

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        """What the project (and its users) still hold here, by kind: a reset is complete when all are 0."""


# The optional hooks of a service object, as `Cloud.hooks(name)` finds them (documented in architecture.md).
HOOKS = ("bootstrap", "recover", "purge_project", "after_purge", "holdings")


@dataclass(frozen=True)
class Plugin:
    spec: ServiceSpec
    service: str  # "module:Class"
    routes: str  # the routes module
    policies: tuple[Rule, ...] = ()
    quotas: tuple[Resource, ...] = ()
    meters: tuple[Meter, ...] = ()
    jobs: Mapping[str, Handler] = field(default_factory=dict)
    periodic: tuple[Periodic, ...] = ()
    screens: tuple[Screen, ...] = ()
    tempest: Tempest | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def service_class(self) -> type[Any]:
        cls = load(self.service)
        assert isinstance(cls, type)
        return cls

    def routes_module(self) -> ModuleType:
        return importlib.import_module(self.routes)


def load(path: str) -> Any:
    """The object named by "module:attribute"."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def load_plugins(packages: tuple[str, ...]) -> tuple[Plugin, ...]:
    """The `PLUGIN` of each package's `plugin` module, in order (a package's plugin module imports nothing
    heavy, so the console can read the list without loading the cloud)."""
    plugins = []
    for package in packages:
        plugin = importlib.import_module(f"{package}.plugin").PLUGIN
        assert isinstance(plugin, Plugin), f"{package}.plugin.PLUGIN is not a Plugin"
        plugins.append(plugin)
    return tuple(plugins)


Hook = Callable[..., Any]
