"""The traffic tool: N simulated client requests to a load balancer's VIP, each answered by the member haproxy
would pick, so a student sees round robin spread requests, weights, session persistence, an L7 redirect, and a
failed member taken out of rotation once a health monitor notices it.

How one request is routed, as an amphora's haproxy does it:
- the listener on the requested port (the lowest port when none is named); none, or anything on the way
  disabled: the connection is refused (no member answers, counted in `request_errors`);
- on an HTTP listener the L7 policies are tried by position: the first whose rules all match (each rule
  optionally inverted) acts: REJECT answers 403, REDIRECT_TO_URL and REDIRECT_PREFIX answer their redirect code
  with a Location, REDIRECT_TO_POOL picks that pool; else the listener's default pool (none: 503);
- the pool's candidates are its enabled members with a weight above 0 whose operating status is not ERROR (a
  health monitor takes a failed member out; without one haproxy keeps sending to it); backup members only when
  no other is left;
- session persistence first: HTTP_COOKIE and APP_COOKIE stick to the member named by the cookie the previous
  answer set (the tool keeps a cookie jar across its requests, as a browser does), SOURCE_IP to a hash of the
  client address; then the algorithm: ROUND_ROBIN and LEAST_CONNECTIONS by weight (each request ends before the
  next starts, so least connections sees equal loads and rotates), SOURCE_IP and SOURCE_IP_PORT by a hash of the
  client;
- the chosen member answers 200 with its server's name when the server holding its address is ACTIVE; a member
  whose server is stopped or gone answers nothing (haproxy: 503), which is what a health monitor prevents.

Every request is counted in the load balancer's and the listener's stats (`loadbalancer stats show`): bytes
in and out, total connections, request errors; each member counts what it served.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest
from lab.cloud.loadbalancer.common import Graph, find
from lab.cloud.loadbalancer.health import ERROR, member_servers, operating_statuses
from lab.cloud.loadbalancer.models import L7Rule, Listener, LoadBalancer, Member, Pool

if TYPE_CHECKING:
    from lab.cloud.loadbalancer.service import LoadBalancerService

MAX_REQUESTS = 1000
COOKIE = "SRV"  # the cookie Octavia's haproxy inserts for HTTP_COOKIE persistence
REQUEST_BYTES, HEADER_BYTES = 78, 120  # a small GET, and a response's status line and headers


@dataclass
class Request:
    """What the simulated client sends: the same for every request of a run, bar the cookies it learns."""

    path: str = "/"
    host: str = ""
    client: str = "203.0.113.10"  # the client's address (documentation range), what SOURCE_IP hashes
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    keep_cookies: bool = True


def parse(body: Any) -> tuple[int, int | None, Request]:
    """The traffic request body: `{"traffic": {"requests": N, "protocol_port", "path", "host", "client_address",
    "headers", "cookies", "keep_cookies"}}`."""
    if not isinstance(body, dict) or not isinstance(body.get("traffic"), dict):
        raise BadRequest("Expected a JSON object {\"traffic\": {...}}.")
    t = body["traffic"]
    unknown = sorted(set(t) - {"requests", "protocol_port", "path", "host", "client_address", "headers",
                               "cookies", "keep_cookies"})
    if unknown:
        raise BadRequest(f"Unknown attribute for argument traffic: {', '.join(unknown)}")
    n = t.get("requests", 10)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_REQUESTS:
        raise BadRequest(f"requests must be an integer from 1 to {MAX_REQUESTS}.")
    port = t.get("protocol_port")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535):
        raise BadRequest("protocol_port must be an integer from 1 to 65535.")
    path = t.get("path", "/")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024:
        raise BadRequest("path must be a string starting with '/'.")
    for name in ("host", "client_address"):
        if not isinstance(t.get(name, ""), str) or len(t.get(name, "")) > 255:
            raise BadRequest(f"{name} must be a string.")
    for name in ("headers", "cookies"):
        value = t.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise BadRequest(f"{name} must be an object of strings.")
    if not isinstance(t.get("keep_cookies", True), bool):
        raise BadRequest("keep_cookies must be a boolean.")
    return n, port, Request(path=path, host=t.get("host", ""), client=t.get("client_address") or Request.client,
                            headers=dict(t.get("headers", {})), cookies=dict(t.get("cookies", {})),
                            keep_cookies=t.get("keep_cookies", True))


def send(svc: LoadBalancerService, ctx: RequestContext, lb_id: str, n: int, port: int | None,
         request: Request) -> dict[str, Any]:
    """POST /lab/v1/loadbalancers/{id}/traffic: send `n` requests, count them, report who answered each."""

    def run(db: Session) -> dict[str, Any]:
        lb = find(db, ctx, LoadBalancer, lb_id)
        svc.cloud.policy.enforce(ctx, "lab:loadbalancer_traffic", lb.project_id)
        g = Graph.load(db, [lb.id])
        ops = operating_statuses(svc.cloud, db, g)
        servers = member_servers(svc.cloud, db, g)
        devices = _devices(svc, db, g)
        names = svc.cloud.compute.server_names(db, [d for d in devices.values() if d])
        listener = _listener(g, lb, port)
        answers = []
        for number in range(1, n + 1):
            answer = _one(g, ops, servers, lb, listener, request)
            member = g.members.get(answer.pop("member_id", "") or "")
            if member is not None:
                member.served += 1
                device = devices.get(member.id)
                answer.update(member_id=member.id, member=member.name, address=member.address,
                              protocol_port=member.protocol_port, server=names.get(device or "", ""))
                answer["body"] = f"Hello from {answer['server'] or member.address}"
            _count(lb, listener, answer)
            answers.append({"request": number, **answer})
        db.flush()
        served: dict[str, int] = {}
        for a in answers:
            if a.get("member_id"):
                served[a["member_id"]] = served.get(a["member_id"], 0) + 1
        return {"traffic": {
            "loadbalancer_id": lb.id, "vip_address": lb.vip_address,
            "listener_id": listener.id if listener else None,
            "protocol_port": listener.protocol_port if listener else port,
            "requests": answers,
            "members": [{"id": m.id, "name": m.name, "address": m.address, "operating_status": ops.get(m.id),
                         "requests": served.get(m.id, 0)}
                        for m in g.members.values() if listener is None or m.pool_id in _pools_of(g, listener)],
            "errors": sum(1 for a in answers if a["status"] in (0, 503)),
        }}

    return svc.write(run)


def _devices(svc: LoadBalancerService, db: Session, g: Graph) -> dict[str, str | None]:
    return {m.id: svc.cloud.network.device_at(db, m.address, m.subnet_id) for m in g.members.values()}


def _pools_of(g: Graph, listener: Listener) -> set[str]:
    return {p for p in [listener.default_pool_id, *(x.redirect_pool_id for x in g.policies_of(listener.id))] if p}


def _listener(g: Graph, lb: LoadBalancer, port: int | None) -> Listener | None:
    listeners = sorted(g.listeners_of(lb.id), key=lambda li: li.protocol_port)
    if port is None:
        return listeners[0] if listeners else None
    return next((li for li in listeners if li.protocol_port == port), None)


def _one(g: Graph, ops: dict[str, str], servers: dict[str, str | None], lb: LoadBalancer,
         listener: Listener | None, request: Request) -> dict[str, Any]:
    """One request: its answer (status, reason, and the member that answered, if any)."""
    if listener is None or not lb.admin_state_up or not listener.admin_state_up:
        return {"status": 0, "reason": "connection refused: no enabled listener on that port"}
    pool_id = listener.default_pool_id
    if listener.protocol == "HTTP":
        for policy in g.policies_of(listener.id):
            if not policy.admin_state_up or not _matches(g.rules_of(policy.id), request):
                continue
            if policy.action == "REJECT":
                return {"status": 403, "reason": f"rejected by L7 policy {policy.name or policy.id}"}
            if policy.action in ("REDIRECT_TO_URL", "REDIRECT_PREFIX"):
                target = (policy.redirect_url if policy.action == "REDIRECT_TO_URL"
                          else (policy.redirect_prefix or "").rstrip("/") + request.path)
                return {"status": policy.redirect_http_code or 302, "location": target,
                        "reason": f"redirected by L7 policy {policy.name or policy.id}"}
            pool_id = policy.redirect_pool_id
            break
    pool = g.pools.get(pool_id or "")
    if pool is None or not pool.admin_state_up:
        return {"status": 503, "reason": "no pool to send to (503 Service Unavailable)"}
    member = _choose(g, ops, pool, request)
    if member is None:
        return {"status": 503, "pool_id": pool.id, "reason": "no member is up (503 Service Unavailable)"}
    cookie = _persistence_cookie(pool)
    if cookie and request.keep_cookies:
        request.cookies[cookie] = member.id
    if servers.get(member.id) != "ACTIVE":
        return {"status": 503, "pool_id": pool.id, "member_id": member.id,
                "reason": "the member's server did not answer (503 Service Unavailable)"}
    return {"status": 200, "pool_id": pool.id, "member_id": member.id, "reason": "OK"}


def _matches(rules: list[L7Rule], request: Request) -> bool:
    """An L7 policy matches when every enabled rule of it does (Octavia ANDs them); a policy without rules
    never matches."""
    enabled = [r for r in rules if r.admin_state_up]
    return bool(enabled) and all(_rule(r, request) != r.invert for r in enabled)


def _rule(rule: L7Rule, request: Request) -> bool:
    if rule.type == "PATH":
        subject: str | None = request.path.split("?")[0]
    elif rule.type == "HOST_NAME":
        subject = request.host
    elif rule.type == "FILE_TYPE":
        last = request.path.split("?")[0].rsplit("/", 1)[-1]
        subject = last.rsplit(".", 1)[1] if "." in last else ""
    elif rule.type == "HEADER":
        subject = next((v for k, v in request.headers.items() if k.lower() == (rule.key or "").lower()), None)
    elif rule.type == "COOKIE":
        subject = request.cookies.get(rule.key or "")
    else:  # SSL_* rules: the simulated client presents no certificate
        return False
    if subject is None:
        return False
    value = rule.value
    return {"EQUAL_TO": subject == value, "STARTS_WITH": subject.startswith(value),
            "ENDS_WITH": subject.endswith(value), "CONTAINS": value in subject,
            "REGEX": _regex(value, subject)}.get(rule.compare_type, False)


def _regex(pattern: str, subject: str) -> bool:
    try:
        return re.search(pattern, subject) is not None
    except re.error:
        return False


def _persistence_cookie(pool: Pool) -> str | None:
    sp = pool.session_persistence or {}
    if sp.get("type") == "HTTP_COOKIE":
        return COOKIE
    if sp.get("type") == "APP_COOKIE":
        return str(sp.get("cookie_name") or "")
    return None


def _choose(g: Graph, ops: dict[str, str], pool: Pool, request: Request) -> Member | None:
    members = [m for m in g.members_of(pool.id) if m.admin_state_up and m.weight > 0 and ops.get(m.id) != ERROR]
    primary = [m for m in members if not m.backup]
    candidates = primary or members
    if not candidates:
        return None
    cookie = _persistence_cookie(pool)
    if cookie and request.cookies.get(cookie):
        stuck = next((m for m in candidates if m.id == request.cookies[cookie]), None)
        if stuck is not None:
            return stuck
    sequence = _weighted(candidates)
    sp_type = (pool.session_persistence or {}).get("type")
    if sp_type == "SOURCE_IP" or pool.lb_algorithm in ("SOURCE_IP", "SOURCE_IP_PORT"):
        digest = hashlib.sha256(request.client.encode()).digest()
        return sequence[int.from_bytes(digest[:4], "big") % len(sequence)]
    chosen = sequence[pool.next_member % len(sequence)]
    pool.next_member = (pool.next_member + 1) % (len(sequence) * 1000)
    return chosen


def _weighted(members: list[Member]) -> list[Member]:
    """Smooth weighted round robin (nginx's, close to haproxy's): weights 3 and 1 give a a b a, not a a a b."""
    current = dict.fromkeys((m.id for m in members), 0)
    total = sum(m.weight for m in members)
    sequence = []
    for _ in range(total):
        for m in members:
            current[m.id] += m.weight
        best = max(members, key=lambda m: current[m.id])
        current[best.id] -= total
        sequence.append(best)
    return sequence


def _count(lb: LoadBalancer, listener: Listener | None, answer: dict[str, Any]) -> None:
    """The request in Octavia's stats: every attempt is a connection; what no member answered is an error."""
    body = len(answer.get("body", answer["reason"]))
    out = 0 if answer["status"] == 0 else HEADER_BYTES + body
    for row in (lb, listener):
        if row is None:
            continue
        row.total_connections += 1
        row.bytes_in += REQUEST_BYTES
        row.bytes_out += out
        if answer["status"] in (0, 503):
            row.request_errors += 1
