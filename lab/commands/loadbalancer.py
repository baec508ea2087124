"""`stacklab loadbalancer traffic LB`: the lab's traffic tool. It asks the cloud to send N simulated requests to
a load balancer's VIP (POST /lab/v1/loadbalancers/{id}/traffic, as the student named by `--cloud`) and prints
which member answered each, so round robin, weights, session persistence, L7 policies and a failed member taken
out by a health monitor can be seen. The requests count in `openstack loadbalancer stats show`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from lab.commands.labs import cloud_option, connect


@click.group("loadbalancer")
def loadbalancer() -> None:
    """Lab tools for load balancers (the load balancers themselves: `openstack loadbalancer ...`)."""


@loadbalancer.command("traffic")
@click.argument("name_or_id")
@click.option("-n", "--requests", "count", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many requests to send.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The listener's port (default: the load balancer's lowest).")
@click.option("--path", default="/", show_default=True, help="The URL path requested (L7 PATH rules see it).")
@click.option("--host", default="", help="The Host header (L7 HOST_NAME rules see it).")
@click.option("--header", "headers", multiple=True, metavar="NAME=VALUE", help="A request header (repeatable).")
@click.option("--client-address", default=None,
              help="The client's IP address (SOURCE_IP persistence and algorithm hash it).")
@click.option("--no-cookies", is_flag=True, default=False,
              help="Forget cookies between requests (a client without a cookie jar: no cookie persistence).")
@cloud_option
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the cloud's answer as JSON.")
def traffic(name_or_id: str, count: int, port: int | None, path: str, host: str, headers: tuple[str, ...],
            client_address: str | None, no_cookies: bool, cloud_name: str | None, as_json: bool) -> None:
    """Send simulated requests to load balancer NAME_OR_ID's VIP and show which member answered each.

    Each member answers with its server's name while that server is ACTIVE; a stopped server answers nothing
    (503) until a health monitor marks its member ERROR and takes it out of the pool.
    """
    conn = connect(cloud_name)
    lb = conn.load_balancer.find_load_balancer(name_or_id, ignore_missing=True)
    if lb is None:
        raise click.ClickException(f"no load balancer {name_or_id!r} in your project")
    body: dict[str, Any] = {"requests": count, "path": path, "host": host, "keep_cookies": not no_cookies,
                            "headers": dict(_pair(h) for h in headers)}
    if port is not None:
        body["protocol_port"] = port
    if client_address:
        body["client_address"] = client_address
    response = conn.session.post(f"/loadbalancers/{lb.id}/traffic", json={"traffic": body}, raise_exc=False,
                                 endpoint_filter={"service_type": "stacklab", "interface": "public"})
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        raise click.ClickException(f"{message} (HTTP {response.status_code})")
    answer = response.json()["traffic"]
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    _print(answer)


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--header")
    return name, value


def _print(answer: dict[str, Any]) -> None:
    click.echo(f"{len(answer['requests'])} requests to {answer['vip_address']}:{answer['protocol_port'] or '-'}")
    for r in answer["requests"]:
        who = f"{r['server'] or r['address']} ({r['address']}:{r['protocol_port']})" if r.get("member_id") else "-"
        extra = f" -> {r['location']}" if r.get("location") else ""
        click.echo(f"  {r['request']:>4}  {r['status'] or 'refused':<7}  {who:<34} {r['reason']}{extra}")
    served = Counter(r["member_id"] for r in answer["requests"] if r["status"] == 200)
    click.echo("members:")
    for m in answer["members"]:
        click.echo(f"  {m['name'] or m['id']:<20} {m['address']:<16} {m['operating_status']:<11} "
                   f"answered {served.get(m['id'], 0)}")
    click.echo(f"errors: {answer['errors']}")
