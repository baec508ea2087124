"""Password hashing: PBKDF2-SHA256 from the standard library, with a per-process cache of checks that passed.

Every `openstack` command authenticates from scratch, so a slow hash is paid on every student command. The
stored hash is a deliberate, salted PBKDF2; a successful check is then remembered as an HMAC under a key that
lives only in this process, so the next login with the same password costs microseconds, while the database
never holds anything cheaper to attack than PBKDF2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 60_000
_PROCESS_KEY = secrets.token_bytes(32)
_verified: dict[str, bytes] = {}


def hash_password(password: str) -> str:
    """'pbkdf2-sha256$<iterations>$<salt>$<hash>' for storing."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return "$".join(["pbkdf2-sha256", str(ITERATIONS), _b64(salt), _b64(digest)])


def check_password(password: str, stored: str | None) -> bool:
    """True if `password` matches the stored hash (constant-time)."""
    if not stored:
        return False
    remembered = _verified.get(stored)
    tag = hmac.new(_PROCESS_KEY, stored.encode() + b"\0" + password.encode(), hashlib.sha256).digest()
    if remembered is not None:
        return hmac.compare_digest(remembered, tag)
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2-sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    ok = hmac.compare_digest(candidate, base64.b64decode(digest))
    if ok:
        _verified[stored] = tag
    return ok


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
