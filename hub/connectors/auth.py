"""Secrets for connectors (named in the config, read from the environment or a file) and the request checks
that use them: a bearer token, or an HMAC-SHA256 signature of the body. Both compare in constant time, and both
answer any header text (Latin-1, lone surrogates) with a refusal, never an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.errors import AuthFailure, ConfigError


class SecretRef(BaseModel):
    """Where a secret is: ``{ env = "NAME" }`` or ``{ file = "/run/secrets/name" }``; never the secret itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: str | None = Field(default=None, min_length=1, description="environment variable holding the secret")
    file: Path | None = Field(default=None, description="file holding the secret (a trailing newline is dropped)")

    @model_validator(mode="before")
    @classmethod
    def _not_the_secret_itself(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError("give { env = NAME } or { file = PATH }, never the secret itself")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env or file")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env is not None else f"file {self.file}"

    def resolve(self, environ: Mapping[str, str] | None = None) -> bytes:
        """The secret's bytes; ConfigError naming where it was looked for (never its value)."""
        if self.env is not None:
            value = (os.environ if environ is None else environ).get(self.env)
            if not value:
                raise ConfigError(f"secret {self.describe()} is not set")
            return value.encode("utf-8")
        assert self.file is not None
        try:
            raw = self.file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read secret {self.describe()}: {exc.strerror}") from exc
        secret = raw.rstrip(b"\r\n")
        if not secret:
            raise ConfigError(f"secret {self.describe()} is empty")
        return secret


#: What a bearer token may hold: visible ASCII (RFC 6750's token68 and more). Anything else cannot be sent in a
#: header the same way by every client and server, so it is no token.
_TOKEN = re.compile(r"[\x21-\x7e]+")


def is_token(secret: bytes) -> bool:
    """Whether ``secret`` can be a bearer token (visible ASCII only): checked when the tokens are configured."""
    return _TOKEN.fullmatch(secret.decode("latin-1")) is not None


def bearer_token(authorization: str | None) -> bytes | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is none, the scheme is another,
    or the token holds anything but visible ASCII (as the server decoded the header: Latin-1, lone surrogates)."""
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or _TOKEN.fullmatch(given) is None:
        return None
    return given.encode("ascii")


def check_bearer(authorization: str | None, token: bytes) -> None:
    """Accept ``Authorization: Bearer <token>``; raise AuthFailure otherwise."""
    if not authorization:
        raise AuthFailure(401, "missing Authorization header")
    given = bearer_token(authorization)
    if given is None:
        raise AuthFailure(401, "Authorization header is not a bearer token of visible ASCII characters")
    if not hmac.compare_digest(given, token):
        raise AuthFailure(403, "bearer token does not match")


def sign(body: bytes, secret: bytes) -> str:
    """The signature a sender puts in the header: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def check_hmac(signature: str | None, body: bytes, secret: bytes, header: str) -> None:
    """Accept a header value ``sha256=<hex>`` (or bare ``<hex>``) that is the HMAC-SHA256 of ``body``."""
    if not signature:
        raise AuthFailure(401, f"missing signature header {header}")
    given = signature.strip()
    given = given[len("sha256=") :] if given.lower().startswith("sha256=") else given
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    # Compare as bytes of the lower-case hex: compare_digest on str refuses non-ASCII input with TypeError, and
    # "replace" also takes the lone surrogates of header bytes that were not UTF-8.
    if not hmac.compare_digest(given.lower().encode("utf-8", "replace"), expected.encode("ascii")):
        raise AuthFailure(403, f"signature in {header} does not match the body")
