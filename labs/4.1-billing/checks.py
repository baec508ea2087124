"""Checks for lab 4.1: the recorded bill total matches the billing service's current bill."""

from lab.camp.engine import Skip


def _bill_total(env):
    response = env.conn.session.get("/bills/current", raise_exc=False,
                                     endpoint_filter={"service_type": "billing", "interface": "public"})
    if response.status_code == 404:
        response = env.conn.session.get("/v1/bills/current", raise_exc=False,
                                        endpoint_filter={"service_type": "billing", "interface": "public"})
    if response.status_code >= 300:
        raise Skip(f"the billing service did not answer with a current bill (HTTP {response.status_code})")
    body = response.json()
    bill = body.get("bill", body)
    return str(bill.get("total"))


def check_answers(env):
    """An image record called bill-answers exists."""
    assert env.image("bill-answers") is not None, "no image called bill-answers in your project"


def check_total(env):
    """bill-answers' bill_total is your current bill's total."""
    image = env.image_json("bill-answers") or {}
    total = _bill_total(env)
    assert str(image.get("bill_total")) == total, f"bill_total is {image.get('bill_total')!r}, the bill says {total}"
