"""Budgets (AWS Budgets' idea, kept small): a monthly amount per project and thresholds in percent. When a
month's spend (rated plus the hour in progress) reaches a threshold, one alert is raised: a row in
`billing_budget_alerts` (unique per project, month and threshold, so it is raised once) and an event
(`resource_type` budget, `action` alert) that the console and `stacklab billing alerts` show."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.billing.bills import Bills
from lab.cloud.billing.common import Common
from lab.cloud.billing.metering import month_of
from lab.cloud.billing.models import Budget, BudgetAlert
from lab.cloud.billing.prices import money, parse_money
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.validation import KEYSTONE

DEFAULT_THRESHOLDS = [50, 80, 100]


def parse_thresholds(value: Any) -> list[int]:
    """[50, 80, 100] (or "50,80,100"): whole percentages, 1 to 1000, no repeats; sorted."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not items or len(items) > 10:
        raise KEYSTONE.bad("thresholds", None, "a list of 1 to 10 percentages is required.")
    result = []
    for item in items:
        try:
            number = int(str(item).strip())
        except ValueError:
            raise KEYSTONE.bad("thresholds", None, f"{item!r} is not a whole percentage.") from None
        if isinstance(item, bool) or not 1 <= number <= 1000:
            raise KEYSTONE.bad("thresholds", None, "each percentage must be 1 to 1000.")
        result.append(number)
    if len(set(result)) != len(result):
        raise KEYSTONE.bad("thresholds", None, "a percentage is given twice.")
    return sorted(result)


class Budgets:
    """Budgets per project and the alerts raised when a month's bill crosses their thresholds."""

    def __init__(self, common: Common, bills: Bills):
        self.common, self.bills = common, bills
        self.cloud = common.cloud

    def set_budget(self, ctx: RequestContext, project: str, amount: Any, thresholds: Any = None) -> Budget:
        """Create or replace a project's monthly budget (admin)."""
        self.cloud.policy.enforce(ctx, "billing:update_budget")
        value = parse_money(amount, "amount")
        if value == 0:
            raise KEYSTONE.bad("amount", None, "a budget must be more than zero.")
        levels = parse_thresholds(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
        now = self.common.now()
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            budget = db.get(Budget, project_id)
            if budget is None:
                budget = Budget(project_id=project_id, amount=value, thresholds=levels, created_at=now,
                                updated_at=now)
                db.add(budget)
            else:
                budget.amount, budget.thresholds, budget.updated_at = value, levels, now
        self.common.refresh()
        return budget

    def get_budget(self, ctx: RequestContext, project: str | None = None) -> Budget:
        with self.cloud.db.read() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:get_budget", project_id)
            budget = db.get(Budget, project_id)
        if budget is None:
            raise NotFound(f"Project {project or project_id} has no budget.")
        return budget

    def list_budgets(self, ctx: RequestContext) -> list[Budget]:
        """Every budget (admin) or the caller's (member)."""
        self.cloud.policy.enforce(ctx, "billing:list_budgets")
        with self.cloud.db.read() as db:
            query = select(Budget).order_by(Budget.project_id)
            if not self.cloud.policy.allows(ctx, "billing:all_projects"):
                query = query.where(Budget.project_id == ctx.project_id)
            return list(db.scalars(query))

    def delete_budget(self, ctx: RequestContext, project: str) -> None:
        self.cloud.policy.enforce(ctx, "billing:delete_budget")
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            budget = db.get(Budget, project_id)
            if budget is None:
                raise NotFound(f"Project {project} has no budget.")
            db.delete(budget)

    def list_alerts(self, ctx: RequestContext, project: str | None = None) -> list[BudgetAlert]:
        """Alerts raised, newest first: the caller's project's, or (admin, no project given) everyone's."""
        self.common.refresh()
        with self.cloud.db.read() as db:
            query = select(BudgetAlert).order_by(BudgetAlert.time.desc(), BudgetAlert.id.desc())
            if project is not None or not self.cloud.policy.allows(ctx, "billing:all_projects"):
                project_id = self.common.target_project(db, ctx, project)
                self.cloud.policy.enforce(ctx, "billing:list_alerts", project_id)
                query = query.where(BudgetAlert.project_id == project_id)
            else:
                self.cloud.policy.enforce(ctx, "billing:list_alerts")
            return list(db.scalars(query))

    def check_budgets(self, months: list[str]) -> int:
        """Raise the alerts due for `months` (those a rating pass touched, and the current one). Returns how
        many were raised."""
        now = self.common.now()
        raised = 0
        with self.cloud.db.write() as db:
            for budget in list(db.scalars(select(Budget))):
                for month in months:
                    raised += self._check(db, budget, month, now)
        return raised

    def _check(self, db: Session, budget: Budget, month: str, now: datetime) -> int:
        done = set(db.scalars(select(BudgetAlert.threshold).where(BudgetAlert.project_id == budget.project_id,
                                                                  BudgetAlert.month == month)))
        due = [t for t in budget.thresholds if t not in done]
        if not due:
            return 0
        spent = self.bills.bill(db, budget.project_id, month, now).total
        raised = 0
        for threshold in due:
            if spent >= budget.amount * Decimal(threshold) / 100:
                db.add(BudgetAlert(project_id=budget.project_id, month=month, threshold=threshold,
                                   budget_amount=budget.amount, spent=spent, time=now))
                events.record(db, now, project_id=budget.project_id, user_id=None, resource_type="budget",
                              resource_id=budget.project_id, action="alert", month=month, threshold=threshold,
                              budget=money(budget.amount), spent=money(spent), currency=self.common.currency)
                raised += 1
        return raised


def months_between(since: datetime, until: datetime) -> list[str]:
    """Every month from the one holding `since` to the one holding `until`."""
    months = [month_of(since)]
    while months[-1] != month_of(until):
        year, month = map(int, months[-1].split("-"))
        months.append(f"{year + month // 12:04d}-{month % 12 + 1:02d}")
    return months
