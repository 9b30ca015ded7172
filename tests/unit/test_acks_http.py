"""The HTTP acknowledgement endpoint without a broker: a real aiohttp server and client (aiohttp's test utilities)
in front of an in-memory sink. Tokens per domain (a domain without one is not served; one domain's token opens
nothing else), the body validated exactly as the router validates it, size limit, 503 while the broker is away,
metrics by domain and outcome, and no token in any log line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from hub.acks_http import (
    ACK_OUTCOMES,
    MAX_BODY_BYTES,
    AckMetrics,
    AckPublisher,
    AckService,
    load_tokens,
)
from hub.connectors.sink import MemorySink, Sink
from hub.errors import BrokerError, ConfigError
from hub.router.core import parse_ack

POLIZEI = "polizei-token-5f1d0c9a7e"
HAVAG = "havag-token-83b2e6417c0d"
TOKENS = {"polizei": POLIZEI.encode(), "havag": HAVAG.encode()}
PREFIX = "t0123."
ALERT = "al-polizei-3f0c9a11b2c4d5e6f7a8b9c0"


def ack(alert_id: str = ALERT, by: str = "ELS Halle", at: str = "2026-11-20T21:50:12+01:00") -> bytes:
    """An acknowledgement body as a client POSTs it."""
    return json.dumps({"alert_id": alert_id, "by": by, "at": at}).encode()


def bearer(token: str) -> dict[str, str]:
    """The headers of a JSON request with ``token``."""
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@dataclass
class Answer:
    """One HTTP answer of the service."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]


@dataclass
class Rig:
    """An AckService on a real local server with a MemorySink behind it."""

    tokens: Mapping[str, bytes] = field(default_factory=lambda: dict(TOKENS))
    sink: MemorySink = field(default_factory=MemorySink)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    connect_failures: int = 0
    connects: int = 0

    def _connect(self) -> Sink:
        """The sink, after ``connect_failures`` failed connects."""
        self.connects += 1
        if self.connect_failures > 0:
            self.connect_failures -= 1
            raise BrokerError("cannot reach Kafka at 127.0.0.1:9: NoBrokersAvailable")
        return self.sink

    def run(self, *calls: tuple[str, str, Any, Mapping[str, str]]) -> list[Answer]:
        """Each (method, path, body, headers) in turn; the answers in order."""

        async def go() -> list[Answer]:
            publisher = AckPublisher(self._connect, timeout_s=5.0)
            service = AckService(self.tokens, publisher, AckMetrics.create(self.registry), topic_prefix=PREFIX)
            answers = []
            async with TestClient(TestServer(service.app())) as client:
                for method, path, body, headers in calls:
                    async with client.request(method, path, data=body, headers=headers) as resp:
                        parsed = await resp.json() if resp.content_type == "application/json" else {}
                        answers.append(Answer(resp.status, parsed, dict(resp.headers)))
            await publisher.close()
            return answers

        return asyncio.run(go())

    def post(self, path: str, body: Any, headers: Mapping[str, str]) -> Answer:
        """The answer to one POST."""
        [answer] = self.run(("POST", path, body, headers))
        return answer

    def count(self, domain: str, outcome: str) -> float:
        """The requests counted for ``domain`` and ``outcome``; -1 when the series does not exist."""
        value = self.registry.get_sample_value("hub_ack_requests_total", {"domain": domain, "outcome": outcome})
        return -1.0 if value is None else value

    def produced(self) -> list[tuple[str, bytes | None, bytes]]:
        """(topic, key, value) of every record the sink got."""
        return [(r.topic, r.key, r.value) for r in self.sink.records]


def test_an_accepted_ack_is_produced_canonically_to_the_prefixed_topic_keyed_by_alert() -> None:
    """202 with the alert id; one record on the prefixed acks.polizei, keyed by alert id, the validated message as
    compact JSON that the router's own parser takes back unchanged."""
    rig = Rig()
    body = b'{ "by": "ELS Halle",\n  "at": "2026-11-20T21:50:12+01:00", "alert_id": "' + ALERT.encode() + b'" }'
    answer = rig.post("/acks/polizei", body, bearer(POLIZEI))
    assert answer.status == 202
    assert answer.body == {"accepted": True, "alert_id": ALERT}
    [(topic, key, value)] = rig.produced()
    assert (topic, key) == (f"{PREFIX}acks.polizei", ALERT.encode())
    assert value == b'{"alert_id":"' + ALERT.encode() + b'","by":"ELS Halle","at":"2026-11-20T21:50:12+01:00"}'
    assert parse_ack("acks.polizei", value) == parse_ack("acks.polizei", body)
    assert rig.count("polizei", "accepted") == 1


def test_missing_or_wrong_credentials_get_401_with_a_bearer_challenge_and_produce_nothing() -> None:
    """No header, another scheme, a wrong token, and the HAVAG token on the police endpoint: all 401 with
    WWW-Authenticate: Bearer, a JSON reason, nothing produced."""
    rig = Rig()
    answers = rig.run(
        ("POST", "/acks/polizei", ack(), {"Content-Type": "application/json"}),
        ("POST", "/acks/polizei", ack(), {"Authorization": f"Basic {POLIZEI}"}),
        ("POST", "/acks/polizei", ack(), bearer(POLIZEI + "x")),
        ("POST", "/acks/polizei", ack(), bearer(HAVAG)),
    )
    assert [a.status for a in answers] == [401, 401, 401, 401]
    for answer in answers:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer ")
        assert answer.body["code"] == "unauthorized"
        assert answer.body["error"]
    assert answers[0].body["error"] == "missing Authorization header"
    assert 'error="invalid_token"' in answers[3].headers["WWW-Authenticate"]
    assert rig.produced() == []
    assert rig.count("polizei", "unauthorized") == 4


def test_a_domains_token_cannot_acknowledge_another_domains_alert() -> None:
    """HAVAG's token on its own endpoint with a police alert id: 403 naming the rule; nothing produced."""
    rig = Rig()
    answer = rig.post("/acks/havag", ack(alert_id=ALERT), bearer(HAVAG))
    assert answer.status == 403
    assert answer.body["code"] == "unsupported"
    assert "acknowledges only alerts of havag" in answer.body["error"]
    assert rig.produced() == []
    assert rig.count("havag", "other_domain") == 1


def test_a_domain_without_a_token_and_an_unknown_domain_are_not_served() -> None:
    """ordnungsamt has no token here: 404 saying which variable would serve it, even with another domain's token;
    a path naming no alert domain: 404 listing the known ones."""
    rig = Rig()
    unserved, unknown = rig.run(
        ("POST", "/acks/ordnungsamt", ack(alert_id="al-ordnungsamt-1"), bearer(POLIZEI)),
        ("POST", "/acks/analytics", ack(), bearer(POLIZEI)),
    )
    assert unserved.status == 404
    assert "HUB_ACK_TOKEN_ORDNUNGSAMT" in unserved.body["error"]
    assert unknown.status == 404
    assert "polizei, havag, ordnungsamt" in unknown.body["error"]
    assert rig.produced() == []
    assert rig.count("ordnungsamt", "not_served") == 1
    assert rig.count("unknown", "not_served") == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "named"),
    [
        (b"{not json", 400, "malformed_json", "not JSON"),
        (b"", 400, "malformed_json", "not JSON"),
        (b'["al-polizei-1"]', 400, "malformed_json", "not a JSON object"),
        (json.dumps({"alert_id": ALERT, "at": "2026-11-20T21:50:12+01:00"}).encode(), 422, "schema_violation", "by"),
        (ack(at="2026-11-20T21:50:12"), 422, "schema_violation", "at"),
        (ack(by=""), 422, "schema_violation", "by"),
        (
            json.dumps({"alert_id": ALERT, "by": "x", "at": "2026-11-20T21:50:12Z", "extra": 1}).encode(),
            422,
            "schema_violation",
            "extra",
        ),
    ],
)
def test_bad_bodies_are_refused_naming_the_problem(body: bytes, status: int, code: str, named: str) -> None:
    """A body that is no JSON object (400) or no valid acknowledgement (422) is refused with its code, the error
    names the problem, nothing is produced and the refusal is counted."""
    rig = Rig()
    answer = rig.post("/acks/polizei", body, bearer(POLIZEI))
    assert answer.status == status
    assert answer.body["code"] == code
    assert named in answer.body["error"]
    assert rig.produced() == []
    assert rig.count("polizei", "malformed" if status == 400 else "invalid") == 1


def test_a_body_over_the_limit_gets_413_whether_announced_or_streamed() -> None:
    """Over 16 KiB with Content-Length, and chunked without it: 413 both times; nothing produced. A body of
    exactly the limit (whitespace in the JSON) is read and accepted."""

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * 4096

    padded = ack()[:-1] + b" " * (MAX_BODY_BYTES - len(ack())) + b"}"
    assert len(padded) == MAX_BODY_BYTES
    rig = Rig()
    announced, streamed, at_limit = rig.run(
        ("POST", "/acks/polizei", b" " * (MAX_BODY_BYTES + 1), bearer(POLIZEI)),
        ("POST", "/acks/polizei", chunked(), bearer(POLIZEI)),
        ("POST", "/acks/polizei", padded, bearer(POLIZEI)),
    )
    assert (announced.status, streamed.status) == (413, 413)
    assert announced.body["code"] == "too_large"
    assert at_limit.status == 202
    assert len(rig.produced()) == 1
    assert rig.count("polizei", "too_large") == 2


def test_broker_unavailable_gives_503_and_the_retry_is_accepted() -> None:
    """A failed connect and a produce the broker did not acknowledge: 503 each, nothing stored; the client's retry
    of the same acknowledgement is then accepted and stored once."""
    rig = Rig(connect_failures=1, sink=MemorySink(fail_next=1))
    answers = rig.run(*[("POST", "/acks/polizei", ack(), bearer(POLIZEI))] * 3)
    assert [a.status for a in answers] == [503, 503, 202]
    assert answers[0].body["code"] == "broker_unavailable"
    assert "send again" in answers[1].body["error"]
    assert len(rig.produced()) == 1
    assert rig.connects == 2, "a failed connect is retried by the next request; a connected sink is kept"
    assert rig.count("polizei", "broker_unavailable") == 2


def test_healthz_names_the_served_domains_and_metrics_start_at_zero() -> None:
    """/healthz lists the served domains and the broker state; every served domain's outcomes start at 0, an
    unserved domain has no series."""
    rig = Rig()
    [health] = rig.run(("GET", "/healthz", None, {}))
    assert health.status == 200
    assert health.body == {"status": "ok", "domains": ["polizei", "havag"], "broker": "not yet"}
    for domain in ("polizei", "havag"):
        for outcome in ACK_OUTCOMES:
            assert rig.count(domain, outcome) == 0
    assert rig.count("ordnungsamt", "accepted") == -1.0, "an unserved domain has no series"


def test_no_token_reaches_the_logs() -> None:
    """Accepted, refused and unauthorised requests are logged with domain and outcome, never with a token (not
    even a wrong one a client sent) and never with the acknowledging person's name."""
    rig = Rig()
    with structlog.testing.capture_logs() as logs:
        rig.run(
            ("POST", "/acks/polizei", ack(by="PHK Erika Beispiel"), bearer(POLIZEI)),
            ("POST", "/acks/polizei", ack(), bearer("guessed-token-000000000")),
            ("POST", "/acks/havag", ack(), bearer(HAVAG)),
        )
    events = [e["event"] for e in logs]
    assert events == ["acknowledgement accepted", "acknowledgement refused", "acknowledgement refused"]
    text = repr(logs)
    for secret in (POLIZEI, HAVAG, "guessed-token", "Erika"):
        assert secret not in text


def test_tokens_come_from_the_environment_or_a_file_one_per_domain(tmp_path: Path) -> None:
    """HUB_ACK_TOKEN_<DOMAIN> or ..._FILE (trailing newline dropped); a domain with neither is left out."""
    (tmp_path / "havag").write_text(HAVAG + "\n")
    tokens = load_tokens({"HUB_ACK_TOKEN_POLIZEI": POLIZEI, "HUB_ACK_TOKEN_HAVAG_FILE": str(tmp_path / "havag")})
    assert tokens == TOKENS
    assert load_tokens({}) == {}


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"HUB_ACK_TOKEN_POLIZEI": POLIZEI, "HUB_ACK_TOKEN_POLIZEI_FILE": "/x"}, "not both"),
        ({"HUB_ACK_TOKEN_HAVAG_FILE": "/nonexistent/hub-token"}, "cannot read secret file /nonexistent/hub-token"),
        ({"HUB_ACK_TOKEN_POLIZEI": "short-token"}, "shorter than 16 bytes"),
        ({"HUB_ACK_TOKEN_POLIZEI": POLIZEI, "HUB_ACK_TOKEN_ORDNUNGSAMT": POLIZEI}, "the same acknowledgement token"),
    ],
)
def test_unusable_token_settings_are_refused_without_showing_the_token(environ: dict[str, str], says: str) -> None:
    """Both a token and its file, an unreadable file, a short token or one token for two domains stop start-up
    with the reason, and the message never shows a token."""
    with pytest.raises(ConfigError, match=says) as caught:
        load_tokens(environ)
    for value in environ.values():
        if not value.startswith("/"):
            assert value not in str(caught.value)


def test_the_service_refuses_tokens_for_domains_that_get_no_alerts() -> None:
    """A token for a domain the router sends no alerts to (analytics) is a configuration error."""
    with pytest.raises(ConfigError, match="not alert domains: analytics"):
        AckService(
            {"analytics": b"x" * 20},
            AckPublisher(MemorySink, 1.0),
            AckMetrics.create(CollectorRegistry()),
            topic_prefix="",
        )
