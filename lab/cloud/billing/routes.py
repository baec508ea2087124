"""HTTP routes of the billing API, mounted at /billing/v1: parse, call one service method, render.
Errors are Keystone-style bodies (`{"error": {"code", "title", "message"}}`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.billing import openapi, schemas
from lab.cloud.billing.bills import bill_csv
from lab.cloud.billing.service import BillingService
from lab.cloud.http import cloud_of, context_of, no_content, query_value, read_json, respond, service_of


def _service(request: Request) -> BillingService:
    return service_of(request, "billing", BillingService)


def _project(request: Request) -> str | None:
    return query_value(request, "project_id")


async def root(request: Request) -> Response:
    """GET /billing/v1: what this API is and where its description is."""
    base = str(request.url).rstrip("/")
    return respond({"version": {"id": "v1", "status": "CURRENT", "name": "stacklab-billing",
                                "links": [{"rel": "self", "href": base + "/"},
                                          {"rel": "describedby", "href": base + "/openapi.json",
                                           "type": "application/vnd.oai.openapi+json"}]}})


async def openapi_document(request: Request) -> Response:
    """GET /billing/v1/openapi.json."""
    return respond(openapi.document(cloud_of(request).settings.endpoint + "/billing/v1"))


async def show_prices(request: Request) -> Response:
    """GET /prices."""
    billing = _service(request)
    price_list, source = billing.get_prices(context_of(request))
    return respond(schemas.prices(price_list, source, billing.currency))


async def update_prices(request: Request) -> Response:
    """PUT /prices {"prices": {...}} (admin)."""
    ctx = context_of(request)
    body = await read_json(request)
    billing = _service(request)
    price_list, source = billing.set_prices(ctx, schemas.body_object(body, "prices"))
    return respond(schemas.prices(price_list, source, billing.currency))


async def show_own_account(request: Request) -> Response:
    """GET /account: the caller's project's account."""
    billing = _service(request)
    view = billing.accounts.get_account(context_of(request), _project(request))
    return respond(schemas.account(view, billing.currency))


async def show_balance(request: Request) -> Response:
    """GET /balance: the caller's balance alone (what the console shows)."""
    billing = _service(request)
    view = billing.accounts.get_account(context_of(request), _project(request))
    return respond(schemas.balance(view, billing.currency))


async def list_accounts(request: Request) -> Response:
    """GET /accounts (admin)."""
    billing = _service(request)
    return respond(schemas.accounts(billing.accounts.list_accounts(context_of(request)), billing.currency))


async def show_account(request: Request) -> Response:
    """GET /accounts/{project_id}."""
    billing = _service(request)
    view = billing.accounts.get_account(context_of(request), request.path_params["project_id"])
    return respond(schemas.account(view, billing.currency))


async def update_account(request: Request) -> Response:
    """PUT /accounts/{project_id} {"account": {"mode": "prepaid"|"payg", "starting_balance": "10.00"}} (admin)."""
    ctx = context_of(request)
    body = schemas.body_object(await read_json(request), "account")
    billing = _service(request)
    view = billing.accounts.update_account(ctx, request.path_params["project_id"], body.get("mode"),
                                           body.get("starting_balance"))
    return respond(schemas.account(view, billing.currency))


async def create_topup(request: Request) -> Response:
    """POST /accounts/{project_id}/topups {"topup": {"amount": "10.00"}} (admin)."""
    ctx = context_of(request)
    body = schemas.body_object(await read_json(request), "topup")
    billing = _service(request)
    view = billing.accounts.top_up(ctx, request.path_params["project_id"], body.get("amount"), body.get("description"))
    return respond(schemas.account(view, billing.currency), 201)


async def list_coupons(request: Request) -> Response:
    """GET /coupons (admin)."""
    billing = _service(request)
    return respond({"coupons": [schemas.coupon(c, uses, billing.currency)
                                for c, uses in billing.accounts.list_coupons(context_of(request))]})


async def create_coupon(request: Request) -> Response:
    """POST /coupons {"coupon": {"code", "amount", "expires_at", "max_uses"}} (admin)."""
    ctx = context_of(request)
    body = schemas.body_object(await read_json(request), "coupon")
    billing = _service(request)
    return respond({"coupon": schemas.coupon(billing.accounts.create_coupon(ctx, body), 0, billing.currency)}, 201)


async def delete_coupon(request: Request) -> Response:
    """DELETE /coupons/{code} (admin)."""
    _service(request).accounts.delete_coupon(context_of(request), request.path_params["code"])
    return no_content()


async def redeem_coupon(request: Request) -> Response:
    """POST /coupons/{code}/redeem: credit the coupon to the caller's project."""
    billing = _service(request)
    view = billing.accounts.redeem_coupon(context_of(request), request.path_params["code"], _project(request))
    return respond(schemas.account(view, billing.currency))


async def list_bills(request: Request) -> Response:
    """GET /bills."""
    billing = _service(request)
    return respond(schemas.bills(billing.bills.list_bills(context_of(request), _project(request))))


async def show_bill(request: Request) -> Response:
    """GET /bills/{month} (?format=csv or Accept: text/csv for CSV)."""
    bill = _service(request).bills.get_bill(context_of(request), request.path_params["month"], _project(request))
    if query_value(request, "format") == "csv" or "text/csv" in request.headers.get("accept", ""):
        return Response(bill_csv(bill), media_type="text/csv", headers={
            "content-disposition": f'attachment; filename="bill-{bill.month}-{bill.project_id}.csv"'})
    return respond(schemas.bill(bill))


async def show_usage(request: Request) -> Response:
    """GET /usage (?month=YYYY-MM)."""
    usage = _service(request).bills.get_usage(context_of(request), query_value(request, "month"), _project(request))
    return respond(schemas.usage(usage))


async def list_budgets(request: Request) -> Response:
    """GET /budgets."""
    billing = _service(request)
    return respond({"budgets": [schemas.budget(b, billing.currency)
                                for b in billing.budgets.list_budgets(context_of(request))]})


async def show_budget(request: Request) -> Response:
    """GET /budgets/{project_id}."""
    billing = _service(request)
    budget = billing.budgets.get_budget(context_of(request), request.path_params["project_id"])
    return respond({"budget": schemas.budget(budget, billing.currency)})


async def update_budget(request: Request) -> Response:
    """PUT /budgets/{project_id} {"budget": {"amount": "20.00", "thresholds": [50, 80, 100]}} (admin)."""
    ctx = context_of(request)
    body = schemas.body_object(await read_json(request), "budget")
    billing = _service(request)
    budget = billing.budgets.set_budget(ctx, request.path_params["project_id"], body.get("amount"),
                                        body.get("thresholds"))
    return respond({"budget": schemas.budget(budget, billing.currency)})


async def delete_budget(request: Request) -> Response:
    """DELETE /budgets/{project_id} (admin)."""
    _service(request).budgets.delete_budget(context_of(request), request.path_params["project_id"])
    return no_content()


async def list_alerts(request: Request) -> Response:
    """GET /alerts."""
    billing = _service(request)
    return respond({"alerts": [schemas.alert(a, billing.currency)
                               for a in billing.budgets.list_alerts(context_of(request), _project(request))]})


routes = [
    Route("/openapi.json", openapi_document, methods=["GET"]),
    Route("/prices", show_prices, methods=["GET"]),
    Route("/prices", update_prices, methods=["PUT"]),
    Route("/account", show_own_account, methods=["GET"]),
    Route("/balance", show_balance, methods=["GET"]),
    Route("/accounts", list_accounts, methods=["GET"]),
    Route("/accounts/{project_id}", show_account, methods=["GET"]),
    Route("/accounts/{project_id}", update_account, methods=["PUT"]),
    Route("/accounts/{project_id}/topups", create_topup, methods=["POST"]),
    Route("/coupons", list_coupons, methods=["GET"]),
    Route("/coupons", create_coupon, methods=["POST"]),
    Route("/coupons/{code}", delete_coupon, methods=["DELETE"]),
    Route("/coupons/{code}/redeem", redeem_coupon, methods=["POST"]),
    Route("/bills", list_bills, methods=["GET"]),
    Route("/bills/{month}", show_bill, methods=["GET"]),
    Route("/usage", show_usage, methods=["GET"]),
    Route("/budgets", list_budgets, methods=["GET"]),
    Route("/budgets/{project_id}", show_budget, methods=["GET"]),
    Route("/budgets/{project_id}", update_budget, methods=["PUT"]),
    Route("/budgets/{project_id}", delete_budget, methods=["DELETE"]),
    Route("/alerts", list_alerts, methods=["GET"]),
]
