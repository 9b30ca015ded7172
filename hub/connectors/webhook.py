"""``webhook``: the source POSTs documents to the hub (SIRI push, CAP and Open311 notifications).

Each request is authenticated with a per-source secret, a bearer token or an HMAC-SHA256 signature of the body,
read from the environment or a file named in the config, and compared in constant time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from hub.connectors.auth import SecretRef, check_bearer, check_hmac, is_token
from hub.connectors.base import ConnectorOptions, Document, HttpRoute, PushConnector, PushRequest, PushResult
from hub.errors import AuthFailure, ConfigError, PushRejected
from hub.formats.base import MAX_DOCUMENT_BYTES


class WebhookOptions(ConnectorOptions):
    """Options of a ``webhook`` instance."""

    type: Literal["webhook"] = "webhook"
    path: str = Field(pattern=r"^/[A-Za-z0-9._~/-]*$", description="the route, e.g. /webhooks/havag/siri-sx")
    auth: Literal["bearer", "hmac-sha256"] = Field(description="how a request proves it comes from the source")
    secret: SecretRef = Field(description="the token or HMAC key: { env = NAME } or { file = PATH }")
    signature_header: str = Field(default="X-Hub-Signature-256", description="header with sha256=<hex> (hmac)")
    content_types: tuple[str, ...] = Field(default=(), description="accepted media types; empty accepts any")
    max_body_bytes: PositiveInt = Field(default=1_048_576, le=MAX_DOCUMENT_BYTES)

    @field_validator("content_types")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value)


class WebhookConnector(PushConnector[WebhookOptions]):
    """Serves ``path``; every accepted body is one document of the instance's format."""

    options_model = WebhookOptions
    _secret: bytes | None = None

    async def setup(self) -> None:
        secret = self.options.secret.resolve()
        if self.options.auth == "bearer" and not is_token(secret):
            raise ConfigError(
                f"the bearer token ({self.options.secret.describe()}) holds characters other than visible ASCII, "
                "which no sender can put in an Authorization header"
            )
        self._secret = secret

    def routes(self) -> Sequence[HttpRoute]:
        return [HttpRoute(self.options.path, ("POST",), self.options.max_body_bytes)]

    async def receive(self, request: PushRequest) -> PushResult:
        if self._secret is None:
            raise PushRejected(403, "webhook is not set up")
        try:
            if self.options.auth == "bearer":
                check_bearer(request.headers.get("authorization"), self._secret)
            else:
                header = self.options.signature_header
                check_hmac(request.headers.get(header.lower()), request.body, self._secret, header)
        except AuthFailure as exc:
            raise PushRejected(401 if exc.status == 401 else 403, exc.reason) from None
        media = request.content_type
        if self.options.content_types and media not in self.options.content_types:
            raise PushRejected(
                415, f"content type {media or '(none)'} is not accepted; send {', '.join(self.options.content_types)}"
            )
        return PushResult([Document(request.body, media, f"webhook:{self.options.path}")])
