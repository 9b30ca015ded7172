"""The HTTP side of push connectors: every push outcome has its status and JSON body; the server, in process and
fed raw bytes, answers every class of bad input (and a property test's nasty requests) as JSON with a reason code,
counted, never 5xx; a body slower than the timeout gets 408; records dead-lettered one by one are listed in a 422."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.connectors.auth import sign
from hub.connectors.checkpoint import MemoryCheckpointStore
from hub.connectors.config import parse_config
from hub.connectors.cutting import Refusal
from hub.connectors.edge import EdgeMetrics, HttpLimits
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.push import Accepted, ConnectorFailed, NotAcknowledged, PushOutcome, Refused, Unusable
from hub.connectors.registry import load_types
from hub.connectors.runner import ConnectorRunner
from hub.connectors.server import SERVER, answer, serve
from hub.connectors.sink import MemorySink
from hub.formats.registry import FORMATS
from tests.helpers.nasty_http import Answer, Busy, NastyRequest, exchange, parse_answer, requests, requests_total
from tests.helpers.waiting import wait_until
from tests.unit.connectors.helpers import TinyFormat


@pytest.mark.parametrize(
    ("outcome", "status", "body"),
    [
        (Accepted(2, 1), "202", {"accepted": 2, "duplicates": 1}),
        (
            Unusable((Refusal(0, None, "schema_violation", "bad"),), 0),
            "422",
            {"error": "bad", "code": "schema_violation", "accepted": 0},
        ),
        (
            Unusable((Refusal(0, 1, "too_large", "big"), Refusal(0, 3, "processing_error", "no id")), 2, 1),
            "422",
            {
                "error": "2 records were dead-lettered; the first, record 1: big",
                "code": "too_large",
                "accepted": 2,
                "duplicates": 1,
                "refused": [
                    {"index": 1, "code": "too_large", "reason": "big"},
                    {"index": 3, "code": "processing_error", "reason": "no id"},
                ],
                "refused_count": 2,
            },
        ),
        (Refused(401, "no token"), "401", {"error": "no token", "code": "unauthorized"}),
        (Refused(415, "send xml"), "415", {"error": "send xml", "code": "unsupported_media_type"}),
        (
            NotAcknowledged(),
            "503",
            {"error": "the broker did not acknowledge in time; send again", "code": "broker_unavailable"},
        ),
        (
            ConnectorFailed(),
            "500",
            {"error": "the connector failed on this request; see the hub's log", "code": "connector_error"},
        ),
    ],
)
def test_each_push_outcome_is_answered_with_its_status_and_body(
    outcome: PushOutcome, status: str, body: dict[str, object]
) -> None:
    """The push driver's typed outcomes map to the answers docs/connectors.md promises webhook senders: every
    refusal with a reason code; a body refused whole says why, records refused one by one are listed by index."""
    assert answer(outcome) == (status, body)


# -- the server itself, in process: a runner on its own loop and thread, an in-memory broker --------------------

KEY = b"siri-key-0123456789abcdef"
TOKEN = b"alarm-token-0123456789"


@dataclass
class Webhooks:
    """A served runner: its port, metrics and in-memory broker."""

    port: int
    registry: CollectorRegistry
    sink: MemorySink

    def requests(self) -> float:
        return requests_total(self.registry, "hub_connector_requests")

    def count(self, connector: str, status: str) -> float:
        return (
            self.registry.get_sample_value("hub_connector_requests_total", {"connector": connector, "status": status})
            or 0.0
        )


@contextlib.contextmanager
def webhooks(secrets: Path, **settings: Any) -> Iterator[Webhooks]:
    """``/tiny`` (bearer TOKEN, the tiny-lines test format, 4 MiB bodies) and ``/signed`` (HMAC with KEY, NDJSON
    replay records) served by a runner on a thread of its own until the block ends."""
    (secrets / "token").write_bytes(TOKEN)
    (secrets / "key").write_bytes(KEY)
    cfg = parse_config(
        tomllib.loads(
            f"""
            [server]
            port = 0
            [connectors.tiny]
            type = "webhook"
            format = "tiny-lines"
            path = "/tiny"
            auth = "bearer"
            secret = {{ file = "{secrets / "token"}" }}
            max_body_bytes = 4194304
            [connectors.signed]
            type = "webhook"
            format = "replay-ndjson"
            path = "/signed"
            auth = "hmac-sha256"
            secret = {{ file = "{secrets / "key"}" }}
            content_types = ["application/x-ndjson"]
            """
        ),
        types=load_types([]),
        formats={**FORMATS, "tiny-lines": TinyFormat()},
        source="test.toml",
    )
    registry, sink = CollectorRegistry(), MemorySink()
    config = Settings(kafka_bootstrap="unused:1", state_dir=secrets / "state", **settings)
    loop = asyncio.new_event_loop()
    runner = ConnectorRunner(
        config, cfg, ["tiny", "signed"], sink=sink, store=MemoryCheckpointStore(), registry=registry,
        serve_metrics_endpoint=False,
    )  # fmt: skip
    thread = threading.Thread(target=lambda: loop.run_until_complete(runner.run()), name="webhooks", daemon=True)
    thread.start()
    wait_until(lambda: runner.port is not None and runner.started.is_set(), 30, "the webhook server did not start")
    assert runner.port is not None
    # /readyz: every instance started and the webhook server listening (no broker of its own to watch: a test sink)
    assert runner.readiness.report() == (True, {"status": "ready", "checks": {"connectors": {"ok": True}}})
    try:
        yield Webhooks(runner.port, registry, sink)
    finally:
        loop.call_soon_threadsafe(runner.stop)
        thread.join(timeout=30)
        loop.close()


def post(path: bytes, body: bytes, *headers: tuple[bytes, bytes]) -> bytes:
    """A POST of ``body`` to ``path`` as raw HTTP/1.1 bytes."""
    return NastyRequest("POST", path, headers, body).raw()


BEARER = (b"Authorization", b"Bearer " + TOKEN)
NDJSON = (b"Content-Type", b"application/x-ndjson")
GOOD_LINE = b'{"id":"r1","kind":"unit_report"}\n'


def signed(body: bytes) -> tuple[bytes, bytes]:
    return (b"X-Hub-Signature-256", sign(body, KEY).encode())


AUTH_BYTES = (b"Authorization", b"Bearer \xff\xfe")
AUTH_LATIN1 = (b"Authorization", b"Bearer caf\xe9")
DEEP = b"[" * 8000 + b"]" * 8000 + b"\n"
DIGITS = b'{"id":' + b"9" * 5000 + b"}\n"
SURROGATE = b'{"id":"\\ud800"}\n'
BIG = b"x" * 1_100_000
CASES = [
    pytest.param(post(b"/tiny", b"a,1,x", AUTH_BYTES), "tiny", 401, "unauthorized", id="auth bytes"),
    pytest.param(post(b"/tiny", b"a,1,x", AUTH_LATIN1), "tiny", 401, "unauthorized", id="auth Latin-1"),
    pytest.param(
        post(b"/signed", GOOD_LINE, (b"Content-Type", b"application/\xff"), signed(GOOD_LINE)),
        "signed",
        415,
        "unsupported_media_type",
        id="Content-Type bytes",
    ),
    pytest.param(
        post(b"/signed", GOOD_LINE, NDJSON, (b"X-Hub-Signature-256", b"sha256=\xff\xfe")),
        "signed",
        403,
        "forbidden",
        id="signature bytes",
    ),
    pytest.param(post(b"/signed", DEEP, NDJSON, signed(DEEP)), "signed", None, None, id="nested 8000 deep"),
    pytest.param(post(b"/signed", DIGITS, NDJSON, signed(DIGITS)), "signed", None, None, id="5000 digits"),
    pytest.param(post(b"/signed", SURROGATE, NDJSON, signed(SURROGATE)), "signed", None, None, id="lone surrogate"),
    pytest.param(post(b"/tiny", b"\xff\xfe,1,x", BEARER), "tiny", None, None, id="body not UTF-8"),
    pytest.param(
        post(b"/tiny", b"a,1,x", BEARER, (b"X-Padding", b"x" * 20_000)), SERVER, 431, "head_too_large", id="long line"
    ),
    pytest.param(
        post(b"/tiny", b"a,1,x", *((b"X-%d" % i, b"1") for i in range(200))),
        SERVER,
        431,
        "head_too_large",
        id="too many headers",
    ),
    pytest.param(b"GARBAGE\r\n\r\n", SERVER, 400, "bad_request", id="not HTTP"),
    pytest.param(post(b"/tiny\xff", b"a,1,x", BEARER), SERVER, 400, "bad_request", id="path not ASCII"),
    pytest.param(
        b"POST /tiny HTTP/1.1\r\nHost: x\r\nContent-Length: 9a\r\n\r\n", SERVER, 400, "bad_request", id="length"
    ),
    pytest.param(post(b"/nowhere", b""), SERVER, 404, "not_found", id="unknown path"),
    pytest.param(NastyRequest("GET", b"/tiny", (BEARER,), b"").raw(), SERVER, 405, "method_not_allowed", id="method"),
    pytest.param(post(b"/signed", BIG, NDJSON, signed(BIG)), "signed", 413, "too_large", id="body too large"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webhooks]:
    """One webhook server for the module (the property test sends hundreds of requests to it)."""
    with webhooks(tmp_path_factory.mktemp("webhooks"), http_body_timeout_s=0.5) as running:
        yield running


@pytest.mark.parametrize(("data", "connector", "status", "code"), CASES)
def test_each_class_of_bad_input_gets_a_json_answer_and_is_counted(
    served: Webhooks, data: bytes, connector: str, status: int | None, code: str | None
) -> None:
    """Each class of input the issue found answered 500 or might, sent as raw bytes to the real parser: never a
    5xx, every refusal JSON with its reason code, counted once under the instance (or "(server)" when none
    answered). What a body holds is the format's to judge (its status is not pinned here)."""
    before = served.requests()
    answer = exchange(served.port, data)
    assert answer.problem("POST") is None
    if status is not None:
        assert (answer.status, json.loads(answer.body)["code"]) == (status, code)
        assert served.count(connector, str(status)) >= 1
    assert served.requests() - before == 1


def test_records_dead_lettered_one_by_one_are_listed_by_index_in_a_422(served: Webhooks) -> None:
    """A body whose second record has no id and whose third is over 1 MiB: 422 (never 202) listing both by index,
    code and reason; the other two records go on, the two refused ones are dead letters. Sent again: the good ones
    are duplicates, the refused ones refused again."""
    big = b"big,1," + b"x" * 1_100_000
    body = b"\n".join([b"ok1,1,fine", b",1,no id", big, b"ok2,1,fine"])
    answers = [exchange(served.port, post(b"/tiny", body, BEARER)) for _ in range(2)]
    first, again = (json.loads(a.body) for a in answers)
    assert [a.status for a in answers] == [422, 422]
    refused = [(r["index"], r["code"]) for r in first["refused"]]
    assert refused == [(1, "processing_error"), (2, "too_large")]
    assert (first["accepted"], first["duplicates"], first["refused_count"], first["code"]) == (
        2,
        0,
        2,
        "processing_error",
    )
    assert first["error"].startswith("2 records were dead-lettered; the first, record 1: ")
    assert (again["accepted"], again["duplicates"], [r["index"] for r in again["refused"]]) == (0, 2, [1, 2])
    produced = [(r.key, len(r.value)) for r in served.sink.on("raw.replay.ndjson") if r.key in (b"ok1", b"ok2")]
    assert produced == [(b"ok1", 10), (b"ok2", 10)]
    assert served.count("tiny", "422") >= 2


def test_a_body_slower_than_the_timeout_is_answered_408_and_counted(served: Webhooks) -> None:
    """Headers promise 99 bytes, one comes: after the body timeout the sender gets 408 body_timeout (JSON) and the
    connection ends, counted under the instance."""
    before = served.count("tiny", "408")
    answer = exchange(
        served.port, b"POST /tiny HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\nContent-Length: 99\r\n\r\n{"
    )
    assert (answer.status, json.loads(answer.body)["code"]) == (408, "body_timeout")
    assert served.count("tiny", "408") == before + 1


#: What the server serves, the route that parses the most first and most often.
ROUTES = (*(("POST", "/tiny"),) * 3, *(("POST", "/signed"),) * 3)
NAMES = (b"Authorization", b"Content-Type", b"X-Hub-Signature-256", b"Accept", b"User-Agent")
FIELDS = ("id", "kind", "vehicle", "at", "version")
VALID = (b'"r1"', b'"unit_report"', b'"2026-11-20T21:50:12+01:00"', b"1")


@st.composite
def signed_requests(draw: st.DrawFn) -> NastyRequest:
    """Nasty requests, half of them signed over their body with the right key (so the format is reached)."""
    request = draw(requests(ROUTES, NAMES, (BEARER, NDJSON), FIELDS, VALID))
    if draw(st.booleans()):
        return NastyRequest(request.method, request.target, (*request.headers, signed(request.body)), request.body)
    return request


@given(signed_requests())
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_and_every_refusal_is_json_with_a_code_and_counted(
    served: Webhooks, request: NastyRequest
) -> None:
    """Nasty requests as raw bytes (odd bytes in any header, odd JSON and lines, odd paths and methods): never a
    5xx; every 4xx is JSON with a reason code; every answer counted once in hub_connector_requests_total."""
    before = served.requests()
    answer = exchange(served.port, request.raw())
    assert answer.problem(request.method) is None
    assert served.requests() - before == 1


def test_a_connection_is_refused_with_503_only_when_every_held_one_is_being_answered() -> None:
    """The gate full of connections being answered: a new one gets 503 overloaded as JSON and is closed at once
    (counted as refused), before it sent anything."""

    async def scenario() -> tuple[Answer, float]:
        registry = CollectorRegistry()
        edge_metrics = EdgeMetrics.create(registry)
        limits = HttpLimits(max_connections=1)
        server = await serve([], "127.0.0.1", 0, ConnectorMetrics.create(registry), edge_metrics, limits)
        server.gate.open(Busy())
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            answer = parse_answer(await reader.read())
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()
        refused = registry.get_sample_value(
            "hub_http_connections_closed_total", {"server": "webhooks", "reason": "refused"}
        )
        return answer, refused or 0.0

    answer, refused = asyncio.run(scenario())
    assert (answer.status, json.loads(answer.body)["code"]) == (503, "overloaded")
    assert refused == 1
