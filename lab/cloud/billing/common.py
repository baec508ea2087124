"""What every part of billing shares (`Common`): the cloud, what the plugins meter, the price list in force, the
target project of a request (with the "another project's bill is a 404" rule), and accounts created on first
use with the configured mode and starting balance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lab.cloud.billing.meters import MeterTable
from lab.cloud.billing.models import Account, Transaction
from lab.cloud.billing.prices import PriceList, parse_money
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

MODES = ("prepaid", "payg")


def _not_wired() -> None:
    raise RuntimeError("Common.refresh is set by BillingService")


class Common:
    """Shared by the parts (rating, accounts, bills, budgets); `prices` is replaced when a new list is set, and
    `refresh` (BillingService.refresh: bring rating up to date) is what every read calls first."""

    def __init__(self, cloud: Cloud, meters: MeterTable, prices: PriceList):
        self.cloud = cloud
        self.meters = meters  # what the plugins meter (Cloud.meters)
        self.prices = prices
        self.refresh: Callable[[], None] = _not_wired

    @property
    def currency(self) -> str:
        return self.cloud.settings.billing_currency

    def now(self) -> datetime:
        return self.cloud.clock.now()

    def default_mode(self) -> str:
        mode = self.cloud.settings.billing_default_mode
        if mode not in MODES:
            raise ValueError(f"billing_default_mode must be one of {', '.join(MODES)}, not {mode!r}")
        return mode

    def starting_balance(self) -> Decimal:
        return parse_money(self.cloud.settings.billing_starting_balance, "billing_starting_balance")

    def project_exists(self, db: Session, project_id: str) -> bool:
        from lab.cloud.identity.models import Project

        return db.get(Project, project_id) is not None

    def project_name(self, db: Session, project_id: str) -> str:
        """The project's name, shown beside its id on bills and accounts ('' for a deleted project)."""
        from lab.cloud.identity.models import Project

        project = db.get(Project, project_id)
        return str(project.name) if project is not None else ""

    def target_project(self, db: Session, ctx: RequestContext, project: str | None) -> str:
        """The project a request is about: the caller's own when `project` is None. A member naming another
        project gets the same 404 as for one that does not exist (so no one learns which exist); a caller allowed
        `billing:all_projects` (an admin) may name any project by id or name. Raises NotFound."""
        if project is None or project in (ctx.project_id, ctx.project_name):
            if ctx.project_id is None:
                raise NotFound("The request is not scoped to a project; name one with project_id.")
            return ctx.project_id
        if self.cloud.policy.allows(ctx, "billing:all_projects"):
            from lab.cloud.identity.models import Project

            found = db.scalars(select(Project).where(or_(Project.id == project, Project.name == project))).all()
            by_id = [p for p in found if p.id == project]
            if by_id or len(found) == 1:
                return (by_id or found)[0].id
        raise NotFound(f"Project {project} could not be found.")

    def find_account(self, db: Session, project_id: str) -> Account | None:
        return db.get(Account, project_id)

    def ensure_account(self, db: Session, project_id: str, mode: str | None = None,
                       starting_balance: Decimal | None = None) -> Account:
        """The project's account, created on first use (inside the caller's write transaction) with the given or
        configured mode and starting balance. The camp's class setup calls this for each student project."""
        account = db.get(Account, project_id)
        if account is not None:
            return account
        now = self.now()
        account = Account(project_id=project_id, mode=mode or self.default_mode(), created_at=now, updated_at=now)
        db.add(account)
        start = self.starting_balance() if starting_balance is None else starting_balance
        if start:
            db.add(Transaction(project_id=project_id, time=now, kind="starting", amount=start,
                               description="starting balance"))
        db.flush()
        return account
