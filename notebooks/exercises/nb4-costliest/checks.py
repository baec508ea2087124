"""Checks for exercise nb4: nb4-answer's `costliest` names the bill's most expensive line (ties count)."""

from decimal import Decimal

from lab.camp.engine import Skip


def _lines(env):
    response = env.conn.session.get("/bills/current", raise_exc=False,
                                    endpoint_filter={"service_type": "billing", "interface": "public"})
    if response.status_code >= 300:
        raise Skip(f"the billing service did not answer with a current bill (HTTP {response.status_code})")
    return response.json()["bill"]["line_items"]


def check_answer(env):
    """An image record nb4-answer with a `costliest` property exists."""
    image = env.image_json("nb4-answer")
    assert image is not None, "no image called nb4-answer in your project"
    assert image.get("costliest"), "nb4-answer has no costliest property"


def check_costliest(env):
    """Its `costliest` is the resource with the highest total on this month's bill."""
    answer = (env.image_json("nb4-answer") or {}).get("costliest")
    totals = {}
    for line in _lines(env):
        totals[line["resource_id"]] = totals.get(line["resource_id"], Decimal(0)) + Decimal(line["total"])
    assert totals, "your bill has no line items yet"
    assert answer in totals, "that resource is not on this month's bill"
    # A cent of slack: the bill moves on in real time between your reading and this check.
    assert totals[answer] >= max(totals.values()) - Decimal("0.01"), "another resource costs more"
