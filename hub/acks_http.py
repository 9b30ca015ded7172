"""Acknowledgements over HTTP: ``POST /acks/{domain}`` for recipients whose systems cannot produce to Kafka.

A recipient domain is served only when it has its own bearer token (``HUB_ACK_TOKEN_<DOMAIN>``, or a file named in
``HUB_ACK_TOKEN_<DOMAIN>_FILE``); a token opens its own domain only. The body is the ``AckMessage`` the router reads
from ``acks.<domain>`` (validated with ``hub.router.core.parse_ack``, so HTTP accepts exactly what the router
takes); an accepted one is produced, as canonical JSON keyed by alert id, to the (prefixed) ``acks.<domain>`` topic
and answered 202 only after the broker acknowledged it. A broker that does not answer in time gives 503: the client
sends again (the router ignores a second acknowledgement). docs/acks.md has the status codes and the set-up.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from hub.config import Settings
from hub.connectors.auth import SecretRef, check_bearer
from hub.connectors.runner import in_daemon_thread
from hub.connectors.sink import Ack, KafkaSink, OutMessage, Sink
from hub.errors import AuthFailure, BrokerError, ConfigError, InvalidEventError
from hub.metrics import serve_metrics
from hub.router.core import parse_ack
from hub.topology import ALERT_DOMAINS, acks_topic, qualified

__all__ = [
    "MAX_BODY_BYTES",
    "MIN_TOKEN_BYTES",
    "AckMetrics",
    "AckOutcome",
    "AckPublisher",
    "AckService",
    "load_tokens",
    "run_ack_server",
    "token_variables",
]

log = structlog.get_logger(__name__)

#: Largest request body taken; an acknowledgement is three short fields.
MAX_BODY_BYTES = 16 * 1024
#: Shortest token accepted at start: a guessable token would open the domain.
MIN_TOKEN_BYTES = 16

#: What became of a request (a closed set: a metric label). ``other_domain``: a domain's token tried to
#: acknowledge another domain's alert.
AckOutcome = Literal[
    "accepted",
    "not_served",
    "unauthorized",
    "too_large",
    "malformed",
    "invalid",
    "other_domain",
    "broker_unavailable",
]
ACK_OUTCOMES: tuple[str, ...] = get_args(AckOutcome)
#: The domain label of requests to a path that names no alert domain.
UNKNOWN_DOMAIN = "unknown"

# parse_ack's reason code -> (HTTP status, outcome)
_REFUSED: dict[str, tuple[int, AckOutcome]] = {
    "malformed_json": (400, "malformed"),
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


def _error(status: int, message: str, code: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message, "code": code}, status=status, headers=headers)


class AckService:
    """The endpoint's handlers: ``POST /acks/{domain}`` and ``GET /healthz``; ``app()`` builds the aiohttp app."""

    def __init__(
        self,
        tokens: Mapping[str, bytes],
        publisher: AckPublisher,
        metrics: AckMetrics,
        *,
        topic_prefix: str,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        unknown = set(tokens) - set(ALERT_DOMAINS)
        if unknown:
            raise ConfigError(f"not alert domains: {', '.join(sorted(unknown))} (known: {', '.join(ALERT_DOMAINS)})")
        self.tokens = dict(tokens)
        self.publisher = publisher
        self.metrics = metrics
        self.topic_prefix = topic_prefix
        self.max_body_bytes = max_body_bytes
        metrics.init_domains(self.domains)

    @property
    def domains(self) -> list[str]:
        """The served domains, in the order of ``ALERT_DOMAINS``."""
        return [d for d in ALERT_DOMAINS if d in self.tokens]

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_post("/acks/{domain}", self.acknowledge)
        app.router.add_get("/healthz", self.healthz)
        return app

    def _answer(self, domain: str, outcome: AckOutcome, response: web.Response) -> web.Response:
        self.metrics.requests.labels(domain, outcome).inc()
        return response

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "domains": self.domains, "broker": "connected" if self.publisher.connected else "not yet"}
        )

    async def acknowledge(self, request: web.Request) -> web.Response:
        domain = request.match_info["domain"]
        if domain not in ALERT_DOMAINS:
            known = ", ".join(ALERT_DOMAINS)
            return self._answer(
                UNKNOWN_DOMAIN, "not_served", _error(404, f"no alert domain {domain!r} (known: {known})", "not_served")
            )
        token = self.tokens.get(domain)
        if token is None:
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
        try:
            check_bearer(request.headers.get("Authorization"), token)
        except AuthFailure as exc:
            # Missing and wrong credentials alike: 401 with the challenge (RFC 6750). The token is never logged.
            challenge = f'Bearer realm="hub-acks-{domain}"' + (', error="invalid_token"' if exc.status == 403 else "")
            log.info("acknowledgement refused", domain=domain, reason=exc.reason, remote=request.remote)
            return self._answer(
                domain, "unauthorized", _error(401, exc.reason, "unauthorized", {"WWW-Authenticate": challenge})
            )
        body = await self._body(request)
        if body is None:
            return self._answer(
                domain, "too_large", _error(413, f"body is over {self.max_body_bytes} bytes", "too_large")
            )
        topic = acks_topic(domain)
        try:
            ack = parse_ack(topic, body)
        except InvalidEventError as exc:
            status, outcome = _REFUSED.get(exc.code, (422, "invalid"))
            log.info("acknowledgement refused", domain=domain, code=exc.code, reason=exc.reason)
            return self._answer(domain, outcome, _error(status, exc.reason, exc.code))
        value = ack.model_dump_json(exclude_defaults=True).encode("utf-8")
        try:
            stored = await self.publisher.publish(qualified(self.topic_prefix, topic), ack.alert_id.encode(), value)
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
        return self._answer(
            domain, "accepted", web.json_response({"accepted": True, "alert_id": ack.alert_id}, status=202)
        )

    async def _body(self, request: web.Request) -> bytes | None:
        """The request body, or None when it is over the limit (told by Content-Length or found while reading)."""
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)


@dataclass(frozen=True)
class Served:
    """What a started server serves: its URL and the domains with a token."""

    url: str
    domains: list[str]
    metrics_url: str


async def serve(
    settings: Settings,
    tokens: Mapping[str, bytes],
    host: str,
    port: int,
    stop: asyncio.Event,
    started: Callable[[Served], None] = lambda served: None,
) -> None:
    """Serve until ``stop`` is set: the endpoint on ``host:port`` (0 picks a port), ``/metrics`` on
    ``HUB_METRICS_PORT``, producing to the settings' broker."""
    if not tokens:
        variables = ", ".join(token_variables(d)[0] for d in ALERT_DOMAINS)
        raise ConfigError(
            f"no acknowledgement token is configured, so no domain would be served: set one of {variables}"
        )
    bootstrap = settings.bootstrap()
    timeout_s = settings.acks_produce_timeout_s
    registry = CollectorRegistry()
    metrics = AckMetrics.create(registry)
    publisher = AckPublisher(lambda: KafkaSink(bootstrap, client_id="hub-acks", request_timeout_s=timeout_s), timeout_s)
    service = AckService(tokens, publisher, metrics, topic_prefix=settings.topic_prefix)
    metrics_port = serve_metrics(registry, settings.metrics_host, settings.metrics_port)
    runner = web.AppRunner(service.app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound = int(runner.addresses[0][1]) if runner.addresses else port
        served = Served(
            f"http://{host}:{bound}", service.domains, f"http://{settings.metrics_host}:{metrics_port}/metrics"
        )
        log.info("acknowledgements served", url=served.url, domains=served.domains, metrics=served.metrics_url)
        started(served)
        connecting = asyncio.create_task(_connect_early(publisher))
        await stop.wait()
        connecting.cancel()
    finally:
        await runner.cleanup()
        await publisher.close()
        log.info("acknowledgement server stopped")


async def _connect_early(publisher: AckPublisher) -> None:
    """Connect before the first request, so it is answered without the wait; a failure is retried by requests."""
    try:
        await publisher.connect()
        log.info("broker connected")
    except (BrokerError, TimeoutError) as exc:
        log.warning("broker not reachable yet; requests answer 503 until it is", error=str(exc))


def run_ack_server(
    settings: Settings,
    environ: Mapping[str, str],
    host: str,
    port: int,
    started: Callable[[Served], None] = lambda served: None,
) -> int:
    """``hub acks serve``: serve until SIGINT/SIGTERM."""
    tokens = load_tokens(environ)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, tokens, host, port, stop, started)

    asyncio.run(main())
    return 0
