"""Acknowledgements over HTTP: ``POST /acks/{domain}`` for recipients whose systems cannot produce to Kafka.

A recipient domain is served only when it has its own bearer token (``HUB_ACK_TOKEN_<DOMAIN>``, or a file named in
``HUB_ACK_TOKEN_<DOMAIN>_FILE``); a token opens its own domain only. The body is the ``AckMessage`` the router reads
from ``acks.<domain>`` (validated with ``hub.router.core.parse_ack``, so HTTP accepts exactly what the router
takes); an accepted one is produced, as canonical JSON keyed by alert id, to the (prefixed) ``acks.<domain>`` topic
and answered 202 only after the broker acknowledged it. A broker that does not answer in time gives 503: the client
sends again (the router ignores a second acknowledgement). docs/acks.md has the status codes and the set-up.

``AckDesk`` is the endpoint without a web framework (credentials, body, validation, a check against the alert
store, producing, metrics, logs). The console (``hub.console``) serves it, with its store check as the desk's
``check``; ``hub acks serve`` is that console without people.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import structlog
from prometheus_client import CollectorRegistry, Counter

from hub.connectors.auth import SecretRef, check_bearer, is_token
from hub.connectors.runner import in_daemon_thread
from hub.connectors.sink import Ack, OutMessage, Sink
from hub.errors import AuthFailure, BrokerError, ConfigError, InvalidEventError
from hub.router.core import AckMessage, parse_ack
from hub.topology import ALERT_DOMAINS, acks_topic, qualified

__all__ = [
    "MAX_BODY_BYTES",
    "MIN_TOKEN_BYTES",
    "AckAnswer",
    "AckCheck",
    "AckDesk",
    "AckMetrics",
    "AckOutcome",
    "AckPublisher",
    "Refusal",
    "connect_early",
    "encode_ack",
    "load_tokens",
    "read_limited",
    "token_variables",
]

log = structlog.get_logger(__name__)

#: Largest request body taken; an acknowledgement is three short fields.
MAX_BODY_BYTES = 16 * 1024
#: Shortest token accepted at start: a guessable token would open the domain.
MIN_TOKEN_BYTES = 16

#: What became of a request (a closed set: a metric label). ``other_domain``: a domain's token tried to
#: acknowledge another domain's alert. ``unknown_alert``, ``stale_revision``, ``wrong_prefix`` are the alert store's
#: refusals (the desk's ``check``): no such alert, a revision that is no longer the latest, an alert stored from
#: another deployment's topics. ``body_timeout``: the body did not arrive in time.
AckOutcome = Literal[
    "accepted",
    "not_served",
    "unauthorized",
    "too_large",
    "malformed",
    "invalid",
    "other_domain",
    "broker_unavailable",
    "unknown_alert",
    "stale_revision",
    "wrong_prefix",
    "body_timeout",
]
ACK_OUTCOMES: tuple[str, ...] = get_args(AckOutcome)
#: The domain label of requests to a path that names no alert domain.
UNKNOWN_DOMAIN = "unknown"

# parse_ack's reason code -> (HTTP status, outcome)
_REFUSED: dict[str, tuple[int, AckOutcome]] = {
    "malformed_json": (400, "malformed"),
    "undecodable": (400, "malformed"),
    "schema_violation": (422, "invalid"),
    "unsupported": (403, "other_domain"),
}


def token_variables(domain: str) -> tuple[str, str]:
    """The environment variables that give ``domain``'s token: the token itself, or a file holding it."""
    name = f"HUB_ACK_TOKEN_{domain.upper()}"
    return name, f"{name}_FILE"


def load_tokens(environ: Mapping[str, str]) -> dict[str, bytes]:
    """The bearer token of each alert domain that has one (a domain without one is not served).

    ``ConfigError`` (naming the variable, never the value) when both variables of a domain are set, a file cannot be
    read, a token is shorter than ``MIN_TOKEN_BYTES``, or two domains share a token (one domain's token would then
    acknowledge the other's alerts).
    """
    tokens: dict[str, bytes] = {}
    for domain in ALERT_DOMAINS:
        env_name, file_name = token_variables(domain)
        in_env, in_file = bool(environ.get(env_name)), bool(environ.get(file_name))
        if in_env and in_file:
            raise ConfigError(f"set {env_name} or {file_name}, not both")
        if not (in_env or in_file):
            continue
        ref = SecretRef(env=env_name) if in_env else SecretRef(file=Path(environ[file_name]))
        token = ref.resolve(environ)
        if len(token) < MIN_TOKEN_BYTES:
            raise ConfigError(
                f"the acknowledgement token of {domain} ({ref.describe()}) is shorter than {MIN_TOKEN_BYTES} "
                "bytes; use a long random one, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if not is_token(token):
            raise ConfigError(
                f"the acknowledgement token of {domain} ({ref.describe()}) holds characters other than visible "
                "ASCII, which no client can send in an Authorization header"
            )
        for other, known in tokens.items():
            if known == token:
                raise ConfigError(
                    f"{other} and {domain} have the same acknowledgement token: each domain needs its own, or one "
                    "could acknowledge the other's alerts"
                )
        tokens[domain] = token
    return tokens


@dataclass(frozen=True)
class AckMetrics:
    """``hub_ack_requests_total{domain,outcome}``: requests to the acknowledgement endpoint."""

    requests: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AckMetrics:
        return cls(
            requests=Counter(
                "hub_ack_requests",
                "Requests to the HTTP acknowledgement endpoint, by alert domain and outcome",
                ["domain", "outcome"],
                registry=registry,
            )
        )

    def init_domains(self, domains: tuple[str, ...] | list[str]) -> None:
        """Create the served domains' series at 0, so dashboards and alerts see them before the first request."""
        for domain in domains:
            for outcome in ACK_OUTCOMES:
                self.requests.labels(domain, outcome)


class AckPublisher:
    """Produces accepted acknowledgements and waits for the broker. Connects on first use, and again on the next
    request after a failed connect (so the endpoint starts, and answers 503, while the broker is away)."""

    def __init__(self, connect: Callable[[], Sink], timeout_s: float) -> None:
        self._connect = connect
        self.timeout_s = timeout_s
        self._sink: Sink | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._sink is not None

    async def connect(self) -> Sink:
        """The sink, connecting first if need be (``BrokerError`` or ``TimeoutError`` when that fails)."""
        async with self._lock:
            if self._sink is None:
                # A daemon thread: a client still looking for an absent broker must not hold up SIGTERM.
                self._sink = await asyncio.wait_for(in_daemon_thread(self._connect), self.timeout_s * 2)
            return self._sink

    async def publish(self, topic: str, key: bytes, value: bytes) -> Ack:
        """Produce one record; ``BrokerError`` when the broker cannot be reached or did not acknowledge it."""
        try:
            sink = await self.connect()
        except TimeoutError as exc:
            raise BrokerError(f"no answer from the broker in {self.timeout_s * 2:.0f} s") from exc
        message = OutMessage(topic, key, value, [])
        [result] = await in_daemon_thread(lambda: sink.produce([message], self.timeout_s))
        if isinstance(result, BrokerError):
            raise result
        return result

    async def close(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            await asyncio.to_thread(sink.close)


def encode_ack(ack: AckMessage) -> bytes:
    """The record value of an action: compact JSON of the fields set (the router's parser takes it back)."""
    return ack.model_dump_json(exclude_defaults=True).encode("utf-8")


async def read_limited(chunks: AsyncIterator[bytes], content_length: int | None, limit: int) -> bytes | None:
    """A request body, or None when it is over ``limit`` (told by Content-Length or found while reading)."""
    if content_length is not None and content_length > limit:
        return None
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


@dataclass(frozen=True)
class AckAnswer:
    """The answer to one request: status, JSON body, extra headers."""

    status: int
    body: dict[str, object]
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A check's refusal of a valid acknowledgement: status, outcome (the metric label), code, words, and more
    fields for the body (a stale revision's current alert and what changed)."""

    status: int
    outcome: AckOutcome
    code: str
    message: str
    extra: Mapping[str, object] = field(default_factory=dict)


#: A check run on a valid acknowledgement before it is produced: ``(domain, ack)`` -> None to go on, or a refusal.
AckCheck = Callable[[str, AckMessage], Awaitable[Refusal | None]]


def _parse(domain: str, body: bytes) -> AckMessage:
    """The acknowledgement in ``body`` for ``domain``, read exactly as the router reads ``acks.<domain>``."""
    return parse_ack(acks_topic(domain), body)


def _error(status: int, message: str, code: str, headers: Mapping[str, str] | None = None) -> AckAnswer:
    return AckAnswer(status, {"error": message, "code": code}, dict(headers or {}))


class AckDesk:
    """``POST /acks/{domain}`` without a web framework: ``answer`` takes the domain, the Authorization header and
    the body (None when it was over the limit) and says what to answer; ``produce`` sends one action."""

    def __init__(
        self,
        tokens: Mapping[str, bytes],
        publisher: AckPublisher,
        metrics: AckMetrics,
        *,
        topic_prefix: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        check: AckCheck | None = None,
    ) -> None:
        unknown = set(tokens) - set(ALERT_DOMAINS)
        if unknown:
            raise ConfigError(f"not alert domains: {', '.join(sorted(unknown))} (known: {', '.join(ALERT_DOMAINS)})")
        self.tokens = dict(tokens)
        self.publisher = publisher
        self.metrics = metrics
        self.topic_prefix = topic_prefix
        self.max_body_bytes = max_body_bytes
        self.check = check
        metrics.init_domains(self.domains)

    @property
    def domains(self) -> list[str]:
        """The served domains, in the order of ``ALERT_DOMAINS``."""
        return [d for d in ALERT_DOMAINS if d in self.tokens]

    def _answer(self, domain: str, outcome: AckOutcome, answer: AckAnswer) -> AckAnswer:
        self.metrics.requests.labels(domain, outcome).inc()
        return answer

    async def produce(self, domain: str, ack: AckMessage) -> Ack:
        """Produce ``ack`` to the (prefixed) ``acks.<domain>``, keyed by alert id; ``BrokerError`` when the
        broker did not acknowledge it."""
        topic = qualified(self.topic_prefix, acks_topic(domain))
        return await self.publisher.publish(topic, ack.alert_id.encode(), encode_ack(ack))

    async def answer(
        self, domain: str, authorization: str | None, body: bytes | None, remote: str | None = None
    ) -> AckAnswer:
        """The answer to ``POST /acks/{domain}`` with that Authorization header and body, from ``remote``."""
        refused = self._refuse_domain(domain) or self._refuse_credentials(domain, authorization, remote)
        if refused is not None:
            return refused
        if body is None:
            return self._answer(
                domain, "too_large", _error(413, f"body is over {self.max_body_bytes} bytes", "too_large")
            )
        try:
            ack = _parse(domain, body)
        except InvalidEventError as exc:
            status, outcome = _REFUSED.get(exc.code, (422, "invalid"))
            log.info("acknowledgement refused", domain=domain, code=exc.code, reason=exc.reason)
            return self._answer(domain, outcome, _error(status, exc.reason, exc.code))
        refusal = None if self.check is None else await self.check(domain, ack)
        if refusal is not None:
            log.info("acknowledgement refused", domain=domain, code=refusal.code, alert_id=ack.alert_id)
            body_out = {"error": refusal.message, "code": refusal.code, **refusal.extra}
            return self._answer(domain, refusal.outcome, AckAnswer(refusal.status, body_out))
        return await self._produce_answer(domain, ack)

    def too_slow(self, domain: str, timeout_s: float, remote: str | None = None) -> AckAnswer:
        """The answer to a request whose body did not arrive within ``timeout_s`` (408; the connection ends)."""
        log.info("acknowledgement refused: the body came too slowly", domain=domain, remote=remote)
        return self._answer(
            domain if domain in self.tokens else UNKNOWN_DOMAIN,
            "body_timeout",
            _error(408, f"the body did not arrive within {timeout_s:g} s", "body_timeout", {"Connection": "close"}),
        )

    def _refuse_domain(self, domain: str) -> AckAnswer | None:
        if domain not in ALERT_DOMAINS:
            known = ", ".join(ALERT_DOMAINS)
            return self._answer(
                UNKNOWN_DOMAIN, "not_served", _error(404, f"no alert domain {domain!r} (known: {known})", "not_served")
            )
        if domain not in self.tokens:
            env_name, file_name = token_variables(domain)
            return self._answer(
                domain,
                "not_served",
                _error(
                    404,
                    f"acknowledgements of {domain} are not served here: no token is configured ({env_name} or "
                    f"{file_name})",
                    "not_served",
                ),
            )
        return None

    def _refuse_credentials(self, domain: str, authorization: str | None, remote: str | None) -> AckAnswer | None:
        try:
            check_bearer(authorization, self.tokens[domain])
        except AuthFailure as exc:
            # Missing and wrong credentials alike: 401 with the challenge (RFC 6750). The token is never logged.
            challenge = f'Bearer realm="hub-acks-{domain}"' + (', error="invalid_token"' if exc.status == 403 else "")
            log.info("acknowledgement refused", domain=domain, reason=exc.reason, remote=remote)
            return self._answer(
                domain, "unauthorized", _error(401, exc.reason, "unauthorized", {"WWW-Authenticate": challenge})
            )
        return None

    async def _produce_answer(self, domain: str, ack: AckMessage) -> AckAnswer:
        try:
            stored = await self.produce(domain, ack)
        except BrokerError as exc:
            log.warning("acknowledgement not stored", domain=domain, alert_id=ack.alert_id, error=str(exc))
            return self._answer(
                domain,
                "broker_unavailable",
                _error(503, "the broker did not acknowledge in time; send again", "broker_unavailable"),
            )
        log.info(
            "acknowledgement accepted",
            domain=domain,
            alert_id=ack.alert_id,
            partition=stored.partition,
            offset=stored.offset,
        )
        return self._answer(domain, "accepted", AckAnswer(202, {"accepted": True, "alert_id": ack.alert_id}))


async def connect_early(publisher: AckPublisher) -> None:
    """Connect before the first request, so it is answered without the wait; a failure is retried by requests."""
    try:
        await publisher.connect()
        log.info("broker connected")
    except (BrokerError, TimeoutError) as exc:
        log.warning("broker not reachable yet; requests answer 503 until it is", error=str(exc))
