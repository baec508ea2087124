"""Checks for lab 4.6: lab-saver was shelved and offloaded (the event log records the offload), the bill has its
line, and it was unshelved afterwards (Nova's instance actions record it)."""

from decimal import Decimal

from lab.camp.engine import Skip


def _bill_lines(env, name):
    filters = {"service_type": "billing", "interface": "public"}
    response = env.conn.session.get("/bills/current", raise_exc=False, endpoint_filter=filters)
    if response.status_code == 404:
        response = env.conn.session.get("/v1/bills/current", raise_exc=False, endpoint_filter=filters)
    if response.status_code >= 300:
        raise Skip(f"the billing service did not answer with a current bill (HTTP {response.status_code})")
    body = response.json()
    return [li for li in body.get("bill", body).get("line_items", []) if li.get("name") == name]


def _offloads(env, server_id):
    return [e for e in env.events("server") if e["resource_id"] == server_id and e["action"] == "shelve_offload"]


def check_shelved(env):
    """lab-saver was shelved and offloaded (SHELVED_OFFLOADED: nothing left on the host)."""
    server = env.server("lab-saver")
    assert server is not None, "no server called lab-saver"
    assert "shelve" in env.server_actions(server), \
        "lab-saver's history (openstack server event list) shows no shelve: stopping it is not shelving"
    assert _offloads(env, server.id), "lab-saver was shelved but never offloaded (SHELVED_OFFLOADED)"


def check_billed(env):
    """The bill has lab-saver's flavor line, with the hours it ran."""
    server = env.server("lab-saver")
    assert server is not None, "no server called lab-saver"
    lines = [li for li in _bill_lines(env, "lab-saver") if li.get("resource_id") == server.id]
    assert lines, "this month's bill has no line for lab-saver"
    hours = sum(Decimal(str(li.get("quantity") or 0)) for li in lines if li.get("quantity_unit") == "hours")
    assert hours > 0, "lab-saver's bill line charges no hours"


def check_unshelved(env):
    """lab-saver is ACTIVE again, unshelved after its shelve."""
    server = env.server("lab-saver")
    assert server is not None, "no server called lab-saver"
    actions = env.server_actions(server)
    assert "shelve" in actions, "lab-saver was never shelved"
    assert "unshelve" in actions[actions.index("shelve"):], "lab-saver was not unshelved after its shelve"
    assert server.status == "ACTIVE", f"lab-saver is {server.status}, not ACTIVE"
