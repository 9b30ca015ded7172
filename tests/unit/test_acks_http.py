"""The acknowledgement desk without a broker or a web framework: ``AckDesk.answer`` in front of an in-memory sink.
Tokens per domain (a domain without one is not served; one domain's token opens nothing else), the body validated
exactly as the router validates it, size limit, the store check's refusals, 503 while the broker is away, metrics
by domain and outcome, and no token in any log line. The console serves this desk at ``POST /acks/<domain>``
(tests/unit/console/test_acks.py checks it over HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import structlog
from prometheus_client import CollectorRegistry

from hub.acks_http import (
    ACK_OUTCOMES,
    MAX_BODY_BYTES,
    AckAnswer,
    AckCheck,
    AckDesk,
    AckMetrics,
    AckPublisher,
    Refusal,
    load_tokens,
    read_limited,
)
from hub.connectors.sink import MemorySink, Sink
from hub.errors import BrokerError, ConfigError
from hub.router.core import AckMessage, parse_ack

POLIZEI = "polizei-token-5f1d0c9a7e"
HAVAG = "havag-token-83b2e6417c0d"
TOKENS = {"polizei": POLIZEI.encode(), "havag": HAVAG.encode()}
PREFIX = "t0123."
ALERT = "al-polizei-3f0c9a11b2c4d5e6f7a8b9c0"


def ack(alert_id: str = ALERT, by: str = "ELS Halle", at: str = "2026-11-20T21:50:12+01:00") -> bytes:
    """An acknowledgement body as a client POSTs it."""
    return json.dumps({"alert_id": alert_id, "by": by, "at": at}).encode()


def bearer(token: str) -> str:
    """The Authorization header of ``token``."""
    return f"Bearer {token}"


#: One request to the desk: (domain, Authorization header, body; None when it was over the limit).
Call = tuple[str, str | None, bytes | None]


@dataclass
class Rig:
    """An AckDesk with a MemorySink behind it."""

    tokens: Mapping[str, bytes] = field(default_factory=lambda: dict(TOKENS))
    sink: MemorySink = field(default_factory=MemorySink)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    check: AckCheck | None = None
    connect_failures: int = 0
    connects: int = 0

    def _connect(self) -> Sink:
        """The sink, after ``connect_failures`` failed connects."""
        self.connects += 1
        if self.connect_failures > 0:
            self.connect_failures -= 1
            raise BrokerError("cannot reach Kafka at 127.0.0.1:9: NoBrokersAvailable")
        return self.sink

    def desk(self, publisher: AckPublisher) -> AckDesk:
        return AckDesk(self.tokens, publisher, AckMetrics.create(self.registry), topic_prefix=PREFIX, check=self.check)

    def run(self, *calls: Call) -> list[AckAnswer]:
        """Each (domain, authorization, body) in turn; the answers in order."""

        async def go() -> list[AckAnswer]:
            publisher = AckPublisher(self._connect, timeout_s=5.0)
            desk = self.desk(publisher)
            try:
                return [await desk.answer(domain, auth, body, "192.0.2.7") for domain, auth, body in calls]
            finally:
                await publisher.close()

        return asyncio.run(go())

    def post(self, domain: str, body: bytes | None, authorization: str | None = bearer(POLIZEI)) -> AckAnswer:
        """The answer to one request."""
        [answer] = self.run((domain, authorization, body))
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
    answer = rig.post("polizei", body)
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
        ("polizei", None, ack()),
        ("polizei", f"Basic {POLIZEI}", ack()),
        ("polizei", bearer(POLIZEI + "x"), ack()),
        ("polizei", bearer(HAVAG), ack()),
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
    answer = rig.post("havag", ack(alert_id=ALERT), bearer(HAVAG))
    assert answer.status == 403
    assert answer.body["code"] == "unsupported"
    assert "acknowledges only alerts of havag" in str(answer.body["error"])
    assert rig.produced() == []
    assert rig.count("havag", "other_domain") == 1


def test_a_domain_without_a_token_and_an_unknown_domain_are_not_served() -> None:
    """ordnungsamt has no token here: 404 saying which variable would serve it, even with another domain's token;
    a path naming no alert domain: 404 listing the known ones."""
    rig = Rig()
    unserved, unknown = rig.run(
        ("ordnungsamt", bearer(POLIZEI), ack(alert_id="al-ordnungsamt-1")),
        ("analytics", bearer(POLIZEI), ack()),
    )
    assert unserved.status == 404
    assert "HUB_ACK_TOKEN_ORDNUNGSAMT" in str(unserved.body["error"])
    assert unknown.status == 404
    assert "polizei, havag, ordnungsamt" in str(unknown.body["error"])
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
    answer = rig.post("polizei", body)
    assert answer.status == status
    assert answer.body["code"] == code
    assert named in str(answer.body["error"])
    assert rig.produced() == []
    assert rig.count("polizei", "malformed" if status == 400 else "invalid") == 1


def test_a_body_over_the_limit_is_not_read_whether_announced_or_streamed() -> None:
    """``read_limited`` gives None for a Content-Length over the limit (without reading) and for a chunked body
    that grows over it; a body of exactly the limit is read whole."""

    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async def go() -> list[bytes | None]:
        return [
            await read_limited(chunks(), MAX_BODY_BYTES + 1, MAX_BODY_BYTES),
            await read_limited(chunks(*[b" " * 4096] * 5), None, MAX_BODY_BYTES),
            await read_limited(chunks(*[b" " * 4096] * 4), MAX_BODY_BYTES, MAX_BODY_BYTES),
        ]

    announced, streamed, at_limit = asyncio.run(go())
    assert (announced, streamed) == (None, None)
    assert at_limit == b" " * MAX_BODY_BYTES


def test_a_body_over_the_limit_gets_413_and_one_at_the_limit_is_accepted() -> None:
    """A body not read for its size: 413 too_large (after the credentials are checked); a body of exactly the
    limit (whitespace in the JSON) is accepted."""
    padded = ack()[:-1] + b" " * (MAX_BODY_BYTES - len(ack())) + b"}"
    assert len(padded) == MAX_BODY_BYTES
    rig = Rig()
    too_large, unauthorized, at_limit = rig.run(
        ("polizei", bearer(POLIZEI), None), ("polizei", None, None), ("polizei", bearer(POLIZEI), padded)
    )
    assert (too_large.status, too_large.body["code"]) == (413, "too_large")
    assert unauthorized.status == 401
    assert at_limit.status == 202
    assert len(rig.produced()) == 1
    assert rig.count("polizei", "too_large") == 1


def test_the_checks_refusal_is_answered_with_its_fields_and_nothing_is_produced() -> None:
    """A valid acknowledgement the check refuses (the console's store check: unknown alert, stale revision, wrong
    prefix) is answered with the refusal's status, code, words and extra fields, counted by its outcome, and not
    produced; one it lets through is produced."""

    async def check(domain: str, message: AckMessage) -> Refusal | None:
        if message.alert_id == ALERT:
            return None
        return Refusal(409, "stale_revision", "stale_revision", "revision 1 is not the latest (2)", {"changes": []})

    rig = Rig(check=check)
    refused, accepted = rig.run(
        ("polizei", bearer(POLIZEI), ack(alert_id="al-polizei-0001")), ("polizei", bearer(POLIZEI), ack())
    )
    assert (refused.status, refused.body) == (
        409,
        {"error": "revision 1 is not the latest (2)", "code": "stale_revision", "changes": []},
    )
    assert accepted.status == 202
    assert [key for _, key, _ in rig.produced()] == [ALERT.encode()]
    assert rig.count("polizei", "stale_revision") == 1


def test_broker_unavailable_gives_503_and_the_retry_is_accepted() -> None:
    """A failed connect and a produce the broker did not acknowledge: 503 each, nothing stored; the client's retry
    of the same acknowledgement is then accepted and stored once."""
    rig = Rig(connect_failures=1, sink=MemorySink(fail_next=1))
    answers = rig.run(*[("polizei", bearer(POLIZEI), ack())] * 3)
    assert [a.status for a in answers] == [503, 503, 202]
    assert answers[0].body["code"] == "broker_unavailable"
    assert "send again" in str(answers[1].body["error"])
    assert len(rig.produced()) == 1
    assert rig.connects == 2, "a failed connect is retried by the next request; a connected sink is kept"
    assert rig.count("polizei", "broker_unavailable") == 2


def test_the_served_domains_metrics_start_at_zero() -> None:
    """The desk serves the domains with a token, in ALERT_DOMAINS order; every served domain's outcomes start at 0,
    an unserved domain has no series."""
    rig = Rig(tokens={"havag": HAVAG.encode(), "polizei": POLIZEI.encode()})
    assert rig.desk(AckPublisher(MemorySink, 1.0)).domains == ["polizei", "havag"]
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
            ("polizei", bearer(POLIZEI), ack(by="PHK Erika Beispiel")),
            ("polizei", bearer("guessed-token-000000000"), ack()),
            ("havag", bearer(HAVAG), ack()),
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


def test_the_desk_refuses_tokens_for_domains_that_get_no_alerts() -> None:
    """A token for a domain the router sends no alerts to (analytics) is a configuration error."""
    with pytest.raises(ConfigError, match="not alert domains: analytics"):
        Rig(tokens={"analytics": b"x" * 20}).desk(AckPublisher(MemorySink, 1.0))
