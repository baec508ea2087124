"""`stacklab billing ...`: a project's balance, usage, bills and prices, and the instructor's billing controls,
over the running cloud's /billing/v1 API.

Student commands use the student's own credentials (clouds.yaml entry `$OS_CLOUD`, else `stacklab-demo`, unless
`--cloud` names another); admin commands (`prices set`, `topup`, `coupon create`, `mode`, `budget set`) use `stacklab`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from lab.commands.options import settings_from

F = TypeVar("F", bound=Callable[..., Any])
STUDENT_CLOUD = "stacklab-demo"
ADMIN_CLOUD = "stacklab"


def _student_cloud() -> str:
    return os.environ.get("OS_CLOUD") or STUDENT_CLOUD


def cloud_option(default: str) -> Callable[[F], F]:
    if default == STUDENT_CLOUD:
        # A class student works as $OS_CLOUD (their own entry), as `openstack` and `stacklab check` do.
        return click.option("--cloud", "cloud_name", default=_student_cloud, show_default="$OS_CLOUD, else "
                            f"{STUDENT_CLOUD}", help="clouds.yaml entry whose credentials to use.")
    return click.option("--cloud", "cloud_name", default=default, show_default=True,
                        help="clouds.yaml entry whose credentials to use.")


json_option = click.option("--json", "as_json", is_flag=True, default=False, help="Print the answer as JSON.")


def image_options(what: str) -> Callable[[F], F]:
    """--png FILE and --svg FILE: also draw `what` as an image (matplotlib), for a slide, a page or a report."""
    def suffix(kind: str) -> Callable[[click.Context, click.Parameter, Path | None], Path | None]:
        def check(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
            if value is not None and value.suffix.lower() != f".{kind}":
                raise click.BadParameter(f"{value} must end in .{kind}")
            return value
        return check

    def wrap(fn: F) -> F:
        fn = click.option("--svg", "svg", type=click.Path(path_type=Path, dir_okay=False), default=None,
                          callback=suffix("svg"), help=f"Also draw {what} as an SVG image in this file.")(fn)
        return click.option("--png", "png", type=click.Path(path_type=Path, dir_okay=False), default=None,
                            callback=suffix("png"), help=f"Also draw {what} as a PNG image in this file.")(fn)
    return wrap


def _write_images(figure: Callable[[], Any], *paths: Path | None) -> None:
    """Draw the chart once per requested file (a figure is closed when saved) and say where it went."""
    from lab import charts

    for path in paths:
        if path is not None:
            charts.save(figure(), path)
            click.echo(f"chart written to {path}")
project_option = click.option("--project", default=None,
                              help="Another project, by name or id (admins only; others get 404).")


def _client(ctx: click.Context, cloud_name: str) -> Any:
    """A session on the catalog's `billing` endpoint with the credentials of the clouds.yaml entry: the lab
    admin client's session, pointed at another service type."""
    import keystoneauth1.adapter

    from lab.admin_client import AdminClientError, LabAdminClient, LabNotRunning

    try:
        client = LabAdminClient(settings_from(ctx, {}), cloud_name)
    except (LabNotRunning, AdminClientError) as exc:
        raise click.ClickException(str(exc)) from None
    client.adapter = keystoneauth1.adapter.Adapter(client.adapter.session, service_type="billing",
                                                   interface="public", region_name=client.adapter.region_name)
    return client


def _text(client: Any, path: str) -> str:
    """GET `path` and return the body as text (the CSV bill); the cloud's error message otherwise."""
    from keystoneauth1 import exceptions

    from lab.admin_client import AdminClientError

    try:
        response = client.adapter.request(path, "GET", headers={"Accept": "text/csv"}, raise_exc=False)
    except exceptions.ClientException as exc:
        raise AdminClientError(str(exc)) from None
    if response.status_code >= 400:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text
        raise AdminClientError(f"{message} (HTTP {response.status_code})")
    return str(response.text)


def _call(ctx: click.Context, cloud_name: str, method: str, path: str, body: dict[str, Any] | None = None,
          project: str | None = None, text: bool = False, **query: str | None) -> Any:
    """One request to /billing/v1; the JSON answer (or the text, with `text`). Errors become ClickExceptions."""
    from urllib.parse import urlencode

    from lab.admin_client import AdminClientError, LabNotRunning

    params = {k: v for k, v in {"project_id": project, **query}.items() if v is not None}
    if params:
        path += "?" + urlencode(params)
    try:
        client = _client(ctx, cloud_name)
        return _text(client, path) if text else client.request(method, path, body)
    except (LabNotRunning, AdminClientError) as exc:
        raise click.ClickException(str(exc)) from None


def _echo_json(answer: Any) -> None:
    click.echo(json.dumps(answer, indent=2))


def _table(title: str, columns: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False)
    for i, name in enumerate(columns):
        table.add_column(name, justify="right" if i in right else "left")
    for row in rows:
        table.add_row(*row)
    _console().print(table)


def _console(record: bool = False) -> Any:
    """A rich console; wide when the output is not a terminal (a pipe, a test), so rows do not wrap."""
    import sys

    from rich.console import Console

    return Console(record=record, width=None if sys.stdout.isatty() else 160)


@click.group()
def billing() -> None:
    """Balances, usage, bills, prices and coupons of the lab's billing service.

    Charges come from the cloud's event log, rated per lab-clock hour in decimal money; `stacklab clock
    advance 30d` shows a month of charges in a minute.
    """


# ---------------------------------------------------------------------------------------------- student
@billing.command()
@cloud_option(STUDENT_CLOUD)
@project_option
@json_option
@image_options("the balance over time")
@click.pass_context
def balance(ctx: click.Context, cloud_name: str, project: str | None, as_json: bool, png: Path | None,
            svg: Path | None) -> None:
    """Show the project's mode, balance and credit history (--png/--svg: the balance over time)."""
    answer = _call(ctx, cloud_name, "GET", "/account", project=project)
    if as_json:
        _echo_json(answer)
        return
    account = answer["account"]
    click.echo(f"project:  {_project_label(account)}")
    click.echo(f"mode:     {account['mode']}")
    click.echo(f"balance:  {account['balance']} {account['currency']}")
    for t in account["transactions"]:
        click.echo(f"  {t['time']}  {t['kind']:<8} {t['amount']:>10}  {t['description']}")
    if png is not None or svg is not None:
        from lab import charts

        months = [b["month"] for b in _call(ctx, cloud_name, "GET", "/bills", project=project)["bills"]]
        usages = [_call(ctx, cloud_name, "GET", "/usage", project=project, month=m)["usage"] for m in months]
        now = charts.parse_time(account["as_of"]) if account.get("as_of") else None
        _write_images(lambda: charts.balance_over_time(account, usages, now), png, svg)


def _resource_label(item: dict[str, Any]) -> str:
    """A line item's resource: its name beside a short id (the full id when it has no name)."""
    return f"{item['name']} ({item['resource_id'][:8]})" if item.get("name") else str(item["resource_id"])


def _project_label(body: dict[str, Any]) -> str:
    """`demo (3f2a...)`: the project's name beside its id (the id alone for a deleted project)."""
    name = body.get("project_name")
    return f"{name} ({body['project_id']})" if name else str(body["project_id"])


def _bar(value: Decimal, top: Decimal, width: int = 40) -> str:
    """A bar of eighth blocks, so small values still show."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, int(value / top * width * 8))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def _usage_chart(usage: dict[str, Any]) -> None:
    """The cost per day as bars of text, for a terminal."""
    from rich.table import Table

    days = usage["days"]
    top = max((Decimal(d["total"]) for d in days), default=Decimal(0))
    table = Table(title=f"Cost per day, {usage['month']} ({usage['currency']})", title_justify="left",
                  show_edge=False, show_header=False)
    table.add_column("day")
    table.add_column("total", justify="right")
    table.add_column("bar")
    for d in days:
        table.add_row(d["date"], d["total"], _bar(Decimal(d["total"]), top))
    console = _console()
    console.print(table)
    if not days:
        console.print("no usage this month")


@billing.command()
@click.option("--month", default=None, help="Month as YYYY-MM (default: the current lab month).")
@click.option("--chart", is_flag=True, default=False, help="Draw the cost per day as text bars in the terminal.")
@image_options("the cost per day by category")
@cloud_option(STUDENT_CLOUD)
@project_option
@json_option
@click.pass_context
def usage(ctx: click.Context, month: str | None, chart: bool, png: Path | None, svg: Path | None,
          cloud_name: str, project: str | None, as_json: bool) -> None:
    """Show what the project uses now and its cost per day this month (--png/--svg: as a bar chart)."""
    answer = _call(ctx, cloud_name, "GET", "/usage", project=project, month=month)
    if as_json:
        _echo_json(answer)
        return
    data = answer["usage"]
    if png is not None or svg is not None:
        from lab import charts

        _write_images(lambda: charts.usage_by_day(data), png, svg)
    if chart:
        _usage_chart(data)
        return
    _table(f"Running now ({data['currency']})", ["type", "name", "variant", "since", "per hour"],
           [[r["type"], r["name"] or r["resource_id"], r["variant"], r["since"], r["cost_per_hour"]]
            for r in data["running"]], right=(4,))
    _table(f"Cost per day, {data['month']}", ["day", "total", "by category"],
           [[d["date"], d["total"], ", ".join(f"{c} {a}" for c, a in d["categories"].items())] for d in data["days"]],
           right=(1,))


@billing.command()
@click.option("--month", default=None, help="Month as YYYY-MM (default: the current lab month, an estimate).")
@click.option("--csv", "as_csv", is_flag=True, default=False, help="Print the bill as CSV.")
@image_options("the bill by resource")
@cloud_option(STUDENT_CLOUD)
@project_option
@json_option
@click.pass_context
def bill(ctx: click.Context, month: str | None, as_csv: bool, png: Path | None, svg: Path | None,
         cloud_name: str, project: str | None, as_json: bool) -> None:
    """Show a month's bill: totals by category, then every line item (--png/--svg: by resource)."""
    month = month or "current"  # the lab clock's month, which the cloud knows
    if as_csv:
        click.echo(_call(ctx, cloud_name, "GET", f"/bills/{month}", project=project, text=True, format="csv"),
                   nl=False)
        return
    answer = _call(ctx, cloud_name, "GET", f"/bills/{month}", project=project)
    if as_json:
        _echo_json(answer)
        return
    b = answer["bill"]
    click.echo(f"Bill {b['month']} for project {_project_label(b)} ({b['status']})")
    _table("Totals by category", ["category", f"total ({b['currency']})"],
           [[c["category"], c["total"]] for c in b["categories"]] + [["TOTAL", b["total"]]], right=(1,))
    _table("Line items", ["type", "name", "unit price", "start", "end", "quantity", "total"],
           [[li["type"] + (f" ({li['variant']})" if li["variant"] else ""), _resource_label(li),
             f"{li['unit_price']}/{li['unit']}", li["start"], li["end"],
             f"{li['quantity']} {li['quantity_unit']}", li["total"] + ("*" if li["estimated"] else "")]
            for li in b["line_items"]], right=(5, 6))
    if b["forecast"] is not None:
        click.echo(f"* includes the hour in progress. Forecast for the whole month: {b['forecast']} {b['currency']}")
    if b["invoice"]:
        inv = b["invoice"]
        click.echo(f"Invoice: total {inv['total']}, paid from credit {inv['credit_applied']}, due {inv['amount_due']}")
    if png is not None or svg is not None:
        from lab import charts

        _write_images(lambda: charts.usage_by_category(b), png, svg)


@billing.group(invoke_without_command=True)
@cloud_option(STUDENT_CLOUD)
@json_option
@click.pass_context
def prices(ctx: click.Context, cloud_name: str, as_json: bool) -> None:
    """Show the price list in force (or replace it with `prices set`)."""
    if ctx.invoked_subcommand is not None:
        return
    answer = _call(ctx, cloud_name, "GET", "/prices")
    if as_json:
        _echo_json(answer)
        return
    p, currency = answer["prices"], answer["currency"]
    server = p["server"]
    rows = [[f"server {name}", f"{price} {currency}/{server['unit']}"] for name, price in server["flavors"].items()]
    rows.append(["server (other flavors)", f"{server['per_vcpu']}/vCPU + {server['per_gb_ram']}/GB RAM "
                                           f"{currency}/{server['unit']}"])
    rows.append(["stopped server", f"x {server['stopped_factor']} of its running price"])
    rows += [[name, f"{p[name]['price']} {currency}/{p[name]['unit']}"]
             for name in ("volume", "snapshot", "image", "floatingip", "router")]
    _table(f"Prices ({answer['source']})", ["resource", "price"], rows)


@prices.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cloud_option(ADMIN_CLOUD)
@click.pass_context
def prices_set(ctx: click.Context, file: Path, cloud_name: str) -> None:
    """Replace the price list with the one in FILE (YAML; admin). Applies from the hour in progress."""
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    answer = _call(ctx, cloud_name, "PUT", "/prices", {"prices": document})
    click.echo(f"price list replaced ({answer['source']})")


@billing.group()
def coupon() -> None:
    """Redeem coupons (students) or issue them (admin)."""


@coupon.command()
@click.argument("code")
@cloud_option(STUDENT_CLOUD)
@click.pass_context
def redeem(ctx: click.Context, code: str, cloud_name: str) -> None:
    """Credit coupon CODE to your project (once per project)."""
    account = _call(ctx, cloud_name, "POST", f"/coupons/{code}/redeem")["account"]
    click.echo(f"coupon {code} redeemed: balance {account['balance']} {account['currency']}")


@coupon.command()
@click.argument("code")
@click.argument("amount")
@click.option("--expires", default=None, help="Lab time after which it is refused, ISO 8601 (e.g. 2026-12-31).")
@click.option("--max-uses", type=int, default=None, help="How many projects may redeem it (default: any).")
@click.option("--description", default=None, help="A note shown to admins.")
@cloud_option(ADMIN_CLOUD)
@click.pass_context
def create(ctx: click.Context, code: str, amount: str, expires: str | None, max_uses: int | None,
           description: str | None, cloud_name: str) -> None:
    """Issue coupon CODE worth AMOUNT (admin)."""
    body = {"code": code, "amount": amount, "expires_at": expires, "max_uses": max_uses,
            "description": description}
    made = _call(ctx, cloud_name, "POST", "/coupons", {"coupon": {k: v for k, v in body.items() if v is not None}})
    c = made["coupon"]
    click.echo(f"coupon {c['code']}: {c['amount']} {c['currency']}, expires {c['expires_at'] or 'never'}, "
               f"uses {c['max_uses'] or 'one per project'}")


@coupon.command("list")
@cloud_option(ADMIN_CLOUD)
@json_option
@click.pass_context
def coupon_list(ctx: click.Context, cloud_name: str, as_json: bool) -> None:
    """List coupons and how often each was redeemed (admin)."""
    answer = _call(ctx, cloud_name, "GET", "/coupons")
    if as_json:
        _echo_json(answer)
        return
    _table("Coupons", ["code", "amount", "expires", "uses"],
           [[c["code"], f"{c['amount']} {c['currency']}", c["expires_at"] or "never",
             f"{c['uses']}/{c['max_uses'] or '-'}"] for c in answer["coupons"]])


# ---------------------------------------------------------------------------------------------- admin
@billing.command()
@click.argument("project")
@click.argument("amount")
@cloud_option(ADMIN_CLOUD)
@click.pass_context
def topup(ctx: click.Context, project: str, amount: str, cloud_name: str) -> None:
    """Add AMOUNT of credit to PROJECT (name or id; admin)."""
    account = _call(ctx, cloud_name, "POST", f"/accounts/{project}/topups", {"topup": {"amount": amount}})["account"]
    click.echo(f"{project}: balance {account['balance']} {account['currency']}")


@billing.command()
@click.argument("project")
@click.argument("mode", type=click.Choice(["prepaid", "payg"]))
@cloud_option(ADMIN_CLOUD)
@click.pass_context
def mode(ctx: click.Context, project: str, mode: str, cloud_name: str) -> None:
    """Make PROJECT prepaid (charged hourly from its balance) or payg (invoiced monthly; admin)."""
    account = _call(ctx, cloud_name, "PUT", f"/accounts/{project}", {"account": {"mode": mode}})["account"]
    click.echo(f"{project}: {account['mode']}, balance {account['balance']} {account['currency']}")


@billing.group()
def budget() -> None:
    """Monthly budgets with alert thresholds (admin)."""


@budget.command("set")
@click.argument("project")
@click.argument("amount")
@click.option("--thresholds", default="50,80,100", show_default=True,
              help="Percentages of AMOUNT that raise an alert, once each per month.")
@cloud_option(ADMIN_CLOUD)
@click.pass_context
def budget_set(ctx: click.Context, project: str, amount: str, thresholds: str, cloud_name: str) -> None:
    """Give PROJECT a monthly budget of AMOUNT (admin)."""
    levels = [t.strip() for t in thresholds.split(",") if t.strip()]
    answer = _call(ctx, cloud_name, "PUT", f"/budgets/{project}",
                   {"budget": {"amount": amount, "thresholds": levels}})["budget"]
    click.echo(f"{project}: budget {answer['amount']} {answer['currency']} a month, alerts at "
               f"{', '.join(f'{t}%' for t in answer['thresholds'])}")


@billing.command("class-cost")
@click.option("--class", "class_name", default=None,
              help="Only this class's students (default: every project with an account).")
@click.option("--month", default=None, help="Month as YYYY-MM (default: the current lab month).")
@image_options("each project's cost by category")
@cloud_option(ADMIN_CLOUD)
@json_option
@click.pass_context
def class_cost(ctx: click.Context, class_name: str | None, month: str | None, png: Path | None,
               svg: Path | None, cloud_name: str, as_json: bool) -> None:
    """Show what each student's project costs this month (admin): the instructor's view of a class."""
    from lab.admin_client import AdminClientError, LabAdminClient, LabNotRunning

    if class_name is not None:
        try:
            shown = LabAdminClient(settings_from(ctx, {}), cloud_name).request("GET", f"/classes/{class_name}")
        except (LabNotRunning, AdminClientError) as exc:
            raise click.ClickException(str(exc)) from None
        projects = [s["project_id"] for s in shown["class"].get("student_list") or [] if s.get("project_id")]
    else:
        projects = [a["project_id"] for a in _call(ctx, cloud_name, "GET", "/accounts")["accounts"]]
    bills = [_call(ctx, cloud_name, "GET", f"/bills/{month or 'current'}", project=p)["bill"] for p in projects]
    if as_json:
        _echo_json({"bills": bills})
        return
    bills.sort(key=lambda b: b.get("project_name") or b["project_id"])
    currency = bills[0]["currency"] if bills else ""
    _table(f"Cost per project, {bills[0]['month'] if bills else month or 'this month'} ({currency})",
           ["project", "total", "by category"],
           [[_project_label(b), b["total"], ", ".join(f"{c['category']} {c['total']}" for c in b["categories"])]
            for b in bills], right=(1,))
    total = sum((Decimal(b["total"]) for b in bills), Decimal(0))
    click.echo(f"{len(bills)} projects, total {total:.2f} {currency}")
    if png is not None or svg is not None:
        from lab import charts

        _write_images(lambda: charts.class_cost(bills), png, svg)


@billing.command()
@cloud_option(ADMIN_CLOUD)
@project_option
@json_option
@click.pass_context
def alerts(ctx: click.Context, cloud_name: str, project: str | None, as_json: bool) -> None:
    """List budget alerts, newest first (admin: every project's)."""
    answer = _call(ctx, cloud_name, "GET", "/alerts", project=project)
    if as_json:
        _echo_json(answer)
        return
    _table("Budget alerts", ["time", "project", "month", "threshold", "spent", "budget"],
           [[a["time"], a["project_id"], a["month"], f"{a['threshold']}%", f"{a['spent']} {a['currency']}",
             a["budget"]] for a in answer["alerts"]])
    if not answer["alerts"]:
        click.echo("no alerts")
