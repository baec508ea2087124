"""Key pairs with microversion 2.1 semantics: owned by a user, imported from an OpenSSH public key or generated
here (then the private key is returned once and never stored), MD5 fingerprints, quota `key_pairs` per user.
2.2's x509 key pairs are Nova's too: a PEM certificate imported (its SHA-1 fingerprint), or generated as Nova's
WinRM client certificate (CN and UPN from the user, ten years, the private key a base64 PKCS#12)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import KeyPair
from lab.cloud.compute.quotas import Quotas
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


def fingerprint(public_key: str) -> str:
    """Nova's fingerprint: the MD5 of the key blob, as colon-separated hex. Raises BadRequest for a key that is
    not an OpenSSH public key."""
    from cryptography.hazmat.primitives import serialization  # here: `stacklab up` need not import it

    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (ValueError, IndexError, binascii.Error, TypeError):
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def x509_fingerprint(certificate: str) -> str:
    """Nova's x509 fingerprint: the SHA-1 of the PEM certificate, as colon-separated hex."""
    from cryptography import x509  # here: `stacklab up` need not import cryptography
    from cryptography.hazmat.primitives import hashes

    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
    except (ValueError, TypeError) as error:
        raise BadRequest("Keypair data is invalid: failed to generate X509 fingerprint. Error message: "
                         f"{error}") from None
    digest = cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - Nova's fingerprint, not a signature
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


# Microsoft's User Principal Name, the otherName Nova's WinRM certificate carries.
UPN = "1.3.6.1.4.1.311.20.2.3"


def generate_x509_cert(user_id: str, now: datetime) -> tuple[str, str]:
    """Nova's generate_winrm_x509_cert without openssl's command: a self-signed client certificate for
    CN=<user_id> with the UPN <user_id>@localhost, valid for 3650 days. Returns (PEM certificate, base64 of the
    PKCS#12 holding the key and the certificate with an empty password)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    upn = f"{user_id}@localhost".encode()
    if len(upn) > 127:
        raise BadRequest("Keypair data is invalid: the user id is too long for a certificate")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([
                x509.OtherName(x509.ObjectIdentifier(UPN), b"\x0c" + bytes([len(upn)]) + upn)]), critical=False)
            .sign(key, hashes.SHA256()))
    bundle = pkcs12.serialize_key_and_certificates(None, key, cert, None, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), base64.b64encode(bundle).decode()


def generate_key_pair(comment: str) -> tuple[str, str]:
    """A new RSA key pair as Nova makes them: (OpenSSH public key, PEM private key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return f"{public} {comment}", private


class Keypairs(ComputePart):
    """A user's key pairs. Every rule is checked against the key pair's owner (`user_id`): a caller only ever
    names their own, so the owner is the caller."""

    def __init__(self, cloud: Cloud, quotas: Quotas):
        super().__init__(cloud)
        self.quotas = quotas

    def create_keypair(self, ctx: RequestContext, name: str, public_key: str | None, key_type: str = "ssh",
                       user_id: str | None = None) -> tuple[KeyPair, str | None]:
        """Import or generate a key pair for the caller (or, for an admin at 2.10, for `user_id`). Returns it
        and the private key (generated only)."""
        owner = user_id or ctx.user_id
        self.cloud.policy.enforce(ctx, "os_compute_api:os-keypairs:create", user_id=owner)
        private_key = None
        if public_key is None and key_type == "x509":
            public_key, private_key = generate_x509_cert(owner, self.cloud.clock.now())
        elif public_key is None:
            public_key, private_key = generate_key_pair("Generated-by-Nova")
        print_ = x509_fingerprint(public_key) if key_type == "x509" else fingerprint(public_key)
        with self.cloud.db.write() as db:
            self.quotas.check_keypairs(db, ctx)
            if db.scalar(select(KeyPair.id).where(KeyPair.user_id == owner, KeyPair.name == name)):
                raise Conflict(f"Key pair '{name}' already exists.")
            keypair = KeyPair(name=name, user_id=owner, project_id=ctx.project_id, fingerprint=print_,
                              public_key=public_key.strip(), type=key_type, created_at=self.cloud.clock.now())
            db.add(keypair)
            try:
                db.flush()
            except IntegrityError:  # the unique constraint is the last word on a race
                raise Conflict(f"Key pair '{name}' already exists.") from None
        return keypair, private_key

    def list_keypairs(self, ctx: RequestContext, user_id: str | None = None, limit: int | None = None,
                      marker: str | None = None) -> list[KeyPair]:
        """The user's key pairs by name; `limit` and `marker` (a name) page them (2.35)."""
        owner = user_id or ctx.user_id
        self.cloud.policy.enforce(ctx, "os_compute_api:os-keypairs:index", user_id=owner)
        with self.cloud.db.read() as db:
            query = select(KeyPair).where(KeyPair.user_id == owner).order_by(KeyPair.name)
            if marker is not None:
                if db.scalar(select(KeyPair.id).where(KeyPair.user_id == owner, KeyPair.name == marker)) is None:
                    raise NotFound(f"Marker {marker} could not be found.")
                query = query.where(KeyPair.name > marker)
            if limit is not None:
                query = query.limit(limit)
            return list(db.scalars(query))

    def get_keypair(self, ctx: RequestContext, name: str, user_id: str | None = None) -> KeyPair:
        owner = user_id or ctx.user_id
        self.cloud.policy.enforce(ctx, "os_compute_api:os-keypairs:show", user_id=owner)
        with self.cloud.db.read() as db:
            keypair = db.scalar(select(KeyPair).where(KeyPair.user_id == owner, KeyPair.name == name))
        if keypair is None:
            raise NotFound(f"Keypair {name} not found for user {owner}")
        return keypair

    def delete_keypair(self, ctx: RequestContext, name: str, user_id: str | None = None) -> None:
        owner = user_id or ctx.user_id
        self.cloud.policy.enforce(ctx, "os_compute_api:os-keypairs:delete", user_id=owner)
        with self.cloud.db.write() as db:
            keypair = db.scalar(select(KeyPair).where(KeyPair.user_id == owner, KeyPair.name == name))
            if keypair is None:
                raise NotFound(f"Keypair {name} not found for user {owner}")
            db.delete(keypair)
