"""The billing API's OpenAPI 3.1 document, kept by hand beside the routes (a test checks that every route is
in it and nothing else is). Served at GET /billing/v1/openapi.json."""

from __future__ import annotations

from typing import Any

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "An amount, two decimals, never a float."}
TIME = {"type": ["string", "null"], "format": "date-time"}
PROJECT = {"name": "project_id", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "Admins: another project (id or name). Anyone else naming a project not their own "
                          "gets 404."}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(error=_obj(code={"type": "integer"}, title={"type": "string"}, message={"type": "string"})),
    "Transaction": _obj(time=TIME, kind={"enum": ["starting", "topup", "coupon", "invoice"]}, amount=MONEY,
                        description={"type": "string"}),
    "Account": _obj(account=_obj(project_id={"type": "string"}, project_name={"type": "string"},
                                 mode={"enum": ["prepaid", "payg"]}, balance=MONEY, currency={"type": "string"},
                                 created_at=TIME, as_of=TIME,
                                 transactions={"type": "array", "items": _ref("Transaction")})),
    "Balance": _obj(balance=_obj(project_id={"type": "string"}, project_name={"type": "string"},
                                 mode={"enum": ["prepaid", "payg"]}, amount=MONEY, currency={"type": "string"})),
    "PriceList": _obj(prices={"type": "object", "description": "server (unit, flavors, per_vcpu, per_gb_ram, "
                                                                 "stopped_factor), volume, snapshot, image, "
                                                                 "floatingip, router (price, unit)"},
                      currency={"type": "string"}, source={"type": "string"}),
    "PriceListUpdate": _obj(prices={"type": "object"}),
    "Coupon": _obj(["code", "amount"], code={"type": "string"}, amount=MONEY, currency={"type": "string"},
                   expires_at=TIME, max_uses={"type": ["integer", "null"]}, uses={"type": "integer"},
                   description={"type": "string"}),
    "CouponCreate": _obj(coupon=_obj(["code", "amount"], code={"type": "string"}, amount={"type": "string"},
                                     expires_at=TIME, max_uses={"type": "integer", "minimum": 1},
                                     description={"type": "string"})),
    "TopupCreate": _obj(topup=_obj(["amount"], amount={"type": "string"}, description={"type": "string"})),
    "AccountUpdate": _obj(account=_obj(mode={"enum": ["prepaid", "payg"]}, starting_balance={"type": "string"})),
    "LineItem": _obj(category={"type": "string"}, type={"type": "string"}, resource_type={"type": "string"},
                     resource_id={"type": "string"}, name={"type": "string"}, variant={"type": "string"},
                     unit_price={"type": "string"}, unit={"type": "string"}, start=TIME, end=TIME,
                     quantity={"type": "string"}, quantity_unit={"type": "string"}, total=MONEY,
                     estimated={"type": "boolean"}),
    "Bill": _obj(bill=_obj(project_id={"type": "string"}, project_name={"type": "string"},
                           month={"type": "string"}, currency={"type": "string"},
                           status={"enum": ["open", "closed", "future"]},
                           period_start=TIME, period_end=TIME, total=MONEY,
                           forecast={"oneOf": [MONEY, {"type": "null"}]},
                           categories={"type": "array", "items": _obj(category={"type": "string"}, total=MONEY)},
                           line_items={"type": "array", "items": _ref("LineItem")},
                           invoice={"type": ["object", "null"]})),
    "Bills": _obj(bills={"type": "array", "items": _obj(month={"type": "string"}, status={"type": "string"},
                                                         total=MONEY, currency={"type": "string"},
                                                         invoiced={"type": "boolean"})}),
    "Usage": _obj(usage=_obj(project_id={"type": "string"}, project_name={"type": "string"},
                             month={"type": "string"}, currency={"type": "string"},
                             days={"type": "array", "items": {"type": "object"}},
                             running={"type": "array", "items": {"type": "object"}})),
    "Budget": _obj(project_id={"type": "string"}, amount=MONEY, currency={"type": "string"},
                   thresholds={"type": "array", "items": {"type": "integer"}}, created_at=TIME, updated_at=TIME),
    "BudgetUpdate": _obj(budget=_obj(["amount"], amount={"type": "string"},
                                     thresholds={"type": "array", "items": {"type": "integer"}})),
    "Alert": _obj(project_id={"type": "string"}, month={"type": "string"}, threshold={"type": "integer"},
                  budget=MONEY, spent=MONEY, currency={"type": "string"}, time=TIME),
}

# (method, path, summary, admin only, request body schema, response schema, response code, query parameters)
OPERATIONS: list[tuple[str, str, str, bool, str | None, str | None, int, list[dict[str, Any]]]] = [
    ("get", "/openapi.json", "This document.", False, None, None, 200, []),
    ("get", "/prices", "The price list in force.", False, None, "PriceList", 200, []),
    ("put", "/prices", "Replace the price list (applies from the hour in progress).", True, "PriceListUpdate",
     "PriceList", 200, []),
    ("get", "/account", "The caller's project's account: mode, balance, credit history.", False, None, "Account",
     200, [PROJECT]),
    ("get", "/balance", "The caller's project's balance alone.", False, None, "Balance", 200, [PROJECT]),
    ("get", "/accounts", "Every account.", True, None, None, 200, []),
    ("get", "/accounts/{project_id}", "One project's account.", False, None, "Account", 200, []),
    ("put", "/accounts/{project_id}", "Set a project's mode (prepaid or payg) or starting credit.", True,
     "AccountUpdate", "Account", 200, []),
    ("post", "/accounts/{project_id}/topups", "Add credit to a project.", True, "TopupCreate", "Account", 201, []),
    ("get", "/coupons", "Every coupon and its uses.", True, None, None, 200, []),
    ("post", "/coupons", "Issue a coupon.", True, "CouponCreate", None, 201, []),
    ("delete", "/coupons/{code}", "Withdraw a coupon.", True, None, None, 204, []),
    ("post", "/coupons/{code}/redeem", "Credit a coupon to the caller's project (once per project).", False, None,
     "Account", 200, [PROJECT]),
    ("get", "/bills", "The project's months and their totals.", False, None, "Bills", 200, [PROJECT]),
    ("get", "/bills/{month}", "A month's bill (YYYY-MM): totals by category and line items; CSV with "
                              "?format=csv or Accept: text/csv.", False, None, "Bill", 200,
     [PROJECT, {"name": "format", "in": "query", "required": False, "schema": {"enum": ["json", "csv"]}}]),
    ("get", "/usage", "Cost per day and category, and what accrues now.", False, None, "Usage", 200,
     [PROJECT, {"name": "month", "in": "query", "required": False, "schema": {"type": "string"}}]),
    ("get", "/budgets", "Budgets (admin: all; others: their project's).", False, None, None, 200, []),
    ("get", "/budgets/{project_id}", "One project's budget.", False, None, None, 200, []),
    ("put", "/budgets/{project_id}", "Set a project's monthly budget and alert thresholds.", True, "BudgetUpdate",
     None, 200, []),
    ("delete", "/budgets/{project_id}", "Remove a project's budget.", True, None, None, 204, []),
    ("get", "/alerts", "Budget alerts raised, newest first.", False, None, None, 200, [PROJECT]),
]


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with `server_url` (e.g. http://127.0.0.1:8780/billing/v1) as its server."""
    paths: dict[str, Any] = {}
    errors = {str(code): {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
              for code, text in ((400, "Bad input"), (401, "No or expired token"), (403, "Not allowed"),
                                 (404, "Not found (also another project's)"), (409, "Conflict"))}
    for method, path, summary, admin, request, response, code, params in OPERATIONS:
        parameters = [{"name": name.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in path.split("/") if name.startswith("{")] + params
        op: dict[str, Any] = {"summary": summary + (" Admin only." if admin else ""), "parameters": parameters,
                              "responses": {str(code): {"description": "Success"}, **errors}}
        if response is not None:
            op["responses"][str(code)]["content"] = {"application/json": {"schema": _ref(response)}}
        if request is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(request)}}}
        paths.setdefault(path, {})[method] = op
    return {"openapi": "3.1.0",
            "info": {"title": "StackLab billing", "version": "v1",
                     "description": "Metering from the event table, hourly idempotent rating, accounts, coupons, "
                                    "bills and budgets. Send a Keystone token in X-Auth-Token."},
            "servers": [{"url": server_url}],
            "components": {"schemas": SCHEMAS,
                           "securitySchemes": {"keystone": {"type": "apiKey", "in": "header",
                                                            "name": "X-Auth-Token"}}},
            "security": [{"keystone": []}],
            "paths": paths}
