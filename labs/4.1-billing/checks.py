"""Checks for lab 4.1: lab-billed ran and was deleted, and the cost recorded for it is the one on the bill.

A running resource's cost grows every lab second, so the answer is the cost of a server that is gone: once
deleted, its line on the bill no longer moves, and the check never races the clock."""

from decimal import Decimal, InvalidOperation

from lab.camp.engine import Skip


def current_bill(env):
    """This month's bill as the billing service shows it (Skip when it shows none)."""
    filters = {"service_type": "billing", "interface": "public"}
    response = env.conn.session.get("/bills/current", raise_exc=False, endpoint_filter=filters)
    if response.status_code == 404:
        response = env.conn.session.get("/v1/bills/current", raise_exc=False, endpoint_filter=filters)
    if response.status_code >= 300:
        raise Skip(f"the billing service did not answer with a current bill (HTTP {response.status_code})")
    body = response.json()
    return body.get("bill", body)


def server_cost(env, name):
    """The sum of the bill's line items for servers called `name`."""
    lines = [li for li in current_bill(env).get("line_items", [])
             if li.get("resource_type", "server") == "server" and li.get("name") == name]
    return sum((Decimal(str(li["total"])) for li in lines), Decimal("0"))


def _deleted_ids(env, name):
    """Ids of servers called `name` this project created and then deleted (from the event log)."""
    created, deleted = set(), set()
    for event in env.events("server"):
        if event["action"] == "create" and event["attributes"].get("name") == name:
            created.add(event["resource_id"])
        elif event["action"] == "delete":
            deleted.add(event["resource_id"])
    return created & deleted


def check_answers(env):
    """An image record called bill-answers exists."""
    assert env.image("bill-answers") is not None, "no image called bill-answers in your project"


def check_deleted(env):
    """lab-billed ran and was deleted (so its cost stopped growing)."""
    assert env.server("lab-billed") is None, "lab-billed still runs, so its cost still grows: delete it first"
    assert _deleted_ids(env, "lab-billed"), "no server called lab-billed ever ran in your project"


def check_cost(env):
    """bill-answers' lab_billed_cost is what this month's bill says lab-billed cost."""
    image = env.image_json("bill-answers") or {}
    given = image.get("lab_billed_cost")
    assert given not in (None, ""), "bill-answers has no lab_billed_cost property"
    try:
        amount = Decimal(str(given).split()[0])
    except InvalidOperation:
        raise AssertionError(f"lab_billed_cost {given!r} is not an amount such as 0.42") from None
    assert amount == server_cost(env, "lab-billed"), \
        f"lab_billed_cost {given} is not what the bill says lab-billed cost (read its line in the bill)"
