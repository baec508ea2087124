"""A prepaid project whose credit ran out during the night: new resources are refused with 402, and the
billing stopped its running web server at the moment the balance reached zero."""

import secrets
from decimal import Decimal

BILLING = {"service_type": "billing", "interface": "public"}
VOUCHER = "25.00"


def _call(conn, method, path, **kwargs):
    return conn.session.request(path, method, endpoint_filter=BILLING, raise_exc=False, **kwargs)


def _account(conn, project_id):
    response = _call(conn, "GET", f"/accounts/{project_id}")
    assert response.status_code == 200, f"the billing service answered {response.status_code}: {response.text[:200]}"
    return response.json()["account"]


def inject(env):
    before = _account(env.conn, env.project_id)
    starting = sum(Decimal(t["amount"]) for t in before["transactions"] if t["kind"] == "starting")
    env.made.update(mode=before["mode"], starting_balance=str(starting))
    student = env.student()
    server = student.boot(env.name("shop"))
    env.made.update(server=server.name, server_id=server.id)
    assert server.status == "ACTIVE", f"drill-shop did not boot: {server.status}"
    # A code of its own each time: a project redeems a code once, and the redemption outlives the coupon.
    code = f"DRILL-{secrets.token_hex(4).upper()}"
    made = _call(env.conn, "POST", "/coupons", json={"coupon": {
        "code": code, "amount": VOUCHER, "max_uses": 1, "description": f"credit for {env.project_name}"}})
    assert made.status_code == 201, f"the voucher was not made: {made.status_code} {made.text[:200]}"
    env.made["coupon"] = code
    # Prepaid, and the starting credit lowered by what is left: the balance is 0.00 from now on.
    balance = Decimal(_account(env.conn, env.project_id)["balance"])
    zero = starting - balance
    assert zero >= 0, "the project holds more credit than its starting balance (top-ups): nothing to run out"
    changed = _call(env.conn, "PUT", f"/accounts/{env.project_id}",
                    json={"account": {"mode": "prepaid", "starting_balance": str(zero)}})
    assert changed.status_code == 200, f"the account was not changed: {changed.status_code} {changed.text[:200]}"
    # The billing's next pass (any billing read starts one) stops the prepaid project's running servers.
    _account(env.conn, env.project_id)
    student.wait(lambda: student.conn.compute.get_server(server.id), lambda s: s.status != "ACTIVE",
                 "the billing to stop drill-shop")
    return env.made


def check(env, state):
    response = _call(env.conn, "GET", "/balance")
    assert response.status_code == 200, f"the billing service answered {response.status_code}"
    assert Decimal(response.json()["balance"]["amount"]) > 0, "the project still has no credit left"
    server = env.conn.compute.find_server(state["server_id"])
    assert server is not None, "drill-shop is gone: the team's shop runs on it"
    server = env.conn.compute.get_server(server.id)
    assert server.status == "ACTIVE", f"drill-shop is still {server.status}: the shop is down"


def undo(env, state):
    if state.get("server_id"):
        env.delete_server(state["server_id"])
    if state.get("coupon"):
        _call(env.conn, "DELETE", f"/coupons/{state['coupon']}")
    if "mode" in state:
        # The voucher's credit, if redeemed, is taken back off the starting balance: the account as it was.
        account = _account(env.conn, env.project_id)
        redeemed = sum(Decimal(t["amount"]) for t in account["transactions"]
                       if t["kind"] == "coupon" and t["description"] == f"coupon {state.get('coupon')}")
        start = max(Decimal(state["starting_balance"]) - redeemed, Decimal(0))
        _call(env.conn, "PUT", f"/accounts/{env.project_id}",
              json={"account": {"mode": state["mode"], "starting_balance": str(start)}})
