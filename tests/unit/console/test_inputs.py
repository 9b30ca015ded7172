"""Nasty input to the console: every class the reliability issue found (JSON nested 8,000 deep, 5,000-digit
integers, lone surrogates, bodies and headers that are not UTF-8, odd Origin, cookies and Content-Type, heads over
the limit, slow bodies, malformed request lines) is refused with a JSON 4xx and its reason code and counted, in
process and through uvicorn; and a property test over nasty requests finds no 5xx at all."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings

from hub.console.app import build_app
from hub.console.server import edge_config
from hub.console.testing import ConsoleRig, console_rig, sample_alert, serving
from tests.helpers.nasty_http import (
    Answer,
    Busy,
    NastyRequest,
    call_asgi,
    exchange,
    parse_answer,
    requests,
    requests_total,
)
from tests.helpers.waiting import wait_until_async

TOKEN = b"polizei-token-5f1d0c9a7e"
ALERT = "al-polizei-000000000000000000000001"
AUTH = (b"Authorization", b"Bearer " + TOKEN)
JSON = (b"Content-Type", b"application/json")
COUNTERS = ("hub_console_refusals", "hub_ack_requests")


def rig_with_alert(**settings: object) -> ConsoleRig:
    """A console serving the police's token, with one police alert stored and the broker connected."""
    rig = console_rig(tokens={"polizei": TOKEN}, **settings)
    rig.source.add(sample_alert("polizei", 1))
    return rig


def ack(**fields: bytes) -> bytes:
    """An acknowledgement of ALERT with ``fields`` (raw JSON values) over the valid ones."""
    values = {"alert_id": json.dumps(ALERT).encode(), "by": b'"ELS Halle"', "at": b'"2026-11-20T21:50:12+01:00"'}
    values.update(fields)
    return b"{" + b",".join(json.dumps(k).encode() + b":" + v for k, v in values.items()) + b"}"


SIGN_IN = b'{"username":"erika","password":"correct horse battery"}'
DEEP = b"[" * 8000 + b"]" * 8000
DIGITS = b"9" * 5000
NOTE = f"/api/alerts/{ALERT}/notes"
CASES = [
    pytest.param("POST", "/acks/polizei", [AUTH], DEEP, 400, "malformed_json", id="ack nested 8000 deep"),
    pytest.param("POST", "/acks/polizei", [AUTH], ack(revision=DIGITS), 400, "malformed_json", id="ack long integer"),
    pytest.param("POST", "/acks/polizei", [AUTH], ack(by=b'"\\ud800"'), 400, "undecodable", id="ack surrogate"),
    pytest.param("POST", "/acks/polizei", [AUTH], ack(by=b'"\xff"'), 400, "malformed_json", id="ack not UTF-8"),
    pytest.param(
        "POST", "/acks/polizei", [AUTH, (b"Content-Length", DIGITS[:30])], ack(), 413, "too_large", id="Content-Length"
    ),
    pytest.param(
        "POST", "/acks/polizei", [(b"Authorization", b"Bearer \xff\xfe")], ack(), 401, "unauthorized", id="auth bytes"
    ),
    pytest.param(
        "GET", "/api/alerts", [(b"Authorization", b"Bearer caf\xe9")], b"", 401, "unauthorized", id="auth Latin-1"
    ),
    pytest.param(
        "GET", "/api/alerts", [(b"Cookie", b"hub_session=\xff; x=\xed\xa0\x80")], b"", 401, "unauthorized", id="cookie"
    ),
    pytest.param("POST", "/api/session", [JSON, (b"Origin", b"http://[::1")], SIGN_IN, 403, "origin", id="Origin"),
    pytest.param(
        "POST", "/api/session", [JSON, (b"Origin", b"http://\xff")], SIGN_IN, 403, "origin", id="Origin bytes"
    ),
    pytest.param(
        "POST",
        NOTE,
        [AUTH, (b"Content-Type", b"application/json; charset=\xff")],
        b'{"text":"\\ud800"}',
        422,
        "schema_violation",
        id="Content-Type bytes",
    ),
    pytest.param("POST", "/api/session", [JSON], DEEP, 400, "malformed_json", id="API nested deep"),
    pytest.param("POST", NOTE, [AUTH, JSON], b'{"revision":' + DIGITS + b"}", 400, "malformed_json", id="API integer"),
    pytest.param("POST", "/api/session", [JSON], b'{"username":"\xff"}', 400, "malformed_json", id="API not UTF-8"),
    pytest.param("POST", "/api/session", [JSON], b"{", 400, "malformed_json", id="API not JSON"),
    pytest.param(
        "POST", "/api/session", [JSON], b'{"username":"\\udfff"}', 422, "schema_violation", id="API surrogate"
    ),
    pytest.param(
        "GET", "/api/alerts", [AUTH, (b"X-Padding", b"x" * 20_000)], b"", 431, "head_too_large", id="head too large"
    ),
    pytest.param("GET", "/api/alerts/%FF%ED%A0%80/cap", [AUTH], b"", 404, "unknown_alert", id="path not UTF-8"),
]


@pytest.mark.parametrize(("method", "path", "headers", "body", "status", "code"), CASES)
def test_each_class_of_bad_input_gets_its_json_refusal_and_is_counted(
    method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes, status: int, code: str
) -> None:
    """Each class of input the issue found answered 500 or might: its status and reason code, JSON, counted once."""
    rig = rig_with_alert()
    app = build_app(rig.console)
    request = NastyRequest(method, path.encode(), tuple(headers), body)
    before = requests_total(rig.registry, *COUNTERS)
    answer = asyncio.run(call_asgi(app, request))
    assert answer.problem(method) is None
    assert (answer.status, json.loads(answer.body)["code"]) == (status, code)
    assert requests_total(rig.registry, *COUNTERS) - before == 1


PROPERTY_RIG = rig_with_alert()
PROPERTY_APP = build_app(PROPERTY_RIG.console)
asyncio.run(PROPERTY_RIG.console.desk.publisher.connect())  # so /healthz answers 200, not 503 "broker not yet"

#: What the console serves (but the event stream, which never ends by itself: test_stream.py); the routes that
#: parse the most input of their own come more often.
ROUTES = (
    *(("POST", "/acks/polizei"),) * 4,
    ("POST", "/acks/havag"),
    *(("POST", "/api/session"),) * 2,
    ("DELETE", "/api/session"),
    ("GET", "/api/me"),
    ("GET", "/api/alerts"),
    ("GET", f"/api/alerts/{ALERT}"),
    *(("POST", f"/api/alerts/{ALERT}/acknowledge"),) * 2,
    ("POST", f"/api/alerts/{ALERT}/notes"),
    ("POST", f"/api/alerts/{ALERT}/resolve"),
    ("GET", f"/api/alerts/{ALERT}/cap"),
    ("GET", "/api/feeds/polizei.atom"),
    ("GET", "/api/network"),
    ("GET", "/healthz"),
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", f"/alerts/{ALERT}"),
    ("GET", "/static/api.js"),
)
FIELDS = ("alert_id", "by", "at", "revision", "action", "note", "username", "password", "text")
VALID = (json.dumps(ALERT).encode(), b'"ELS"', b'"2026-11-20T21:50:12+01:00"', b"1", b'"note"', b'"erika"', b'"x"')
NAMES = (b"Authorization", b"Content-Type", b"Origin", b"Cookie", b"X-CSRF-Token", b"Last-Event-ID", b"Accept")


@given(requests(ROUTES, NAMES, (AUTH, JSON, (b"Origin", b"http://127.0.0.1:8480")), FIELDS, VALID))
@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_and_every_refusal_is_json_with_a_code_and_counted(
    request: NastyRequest,
) -> None:
    """Nasty requests to every route of the app (odd bytes in any header, odd JSON, odd paths): never a 5xx; every
    4xx is JSON with a reason code and counted once in hub_console_refusals_total or hub_ack_requests_total."""
    before = requests_total(PROPERTY_RIG.registry, *COUNTERS)
    answer = asyncio.run(call_asgi(PROPERTY_APP, request))
    assert answer.problem(request.method) is None
    if answer.status >= 400:
        assert requests_total(PROPERTY_RIG.registry, *COUNTERS) - before == 1


def test_uvicorn_answers_what_h11_cannot_parse_and_slow_bodies_as_json_and_counts_them() -> None:
    """Through uvicorn: a malformed request line 400 bad_request, a head still incomplete past the limit 431
    head_too_large, a NUL in a header 400, a body slower than the timeout 408 body_timeout (also on /acks, counted
    there), a non-UTF-8 Authorization 401; all JSON, all counted."""
    rig = rig_with_alert(http_body_timeout_s=0.3)
    with serving(rig) as served:
        port = int(served.url.rsplit(":", 1)[1])
        answers = [
            exchange(port, b"GARBAGE\r\n\r\n"),
            exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"x" * 70_000),
            exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
            exchange(port, b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{"),
            exchange(port, b"POST /acks/polizei HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{"),
            exchange(port, NastyRequest("GET", b"/api/alerts", ((b"Authorization", b"Bearer \xff"),), b"").raw()),
        ]
    for answer in answers:
        assert answer.problem("GET") is None
    codes = [(a.status, json.loads(a.body)["code"]) for a in answers]
    assert codes == [
        (400, "bad_request"),
        (431, "head_too_large"),
        (400, "bad_request"),
        (408, "body_timeout"),
        (408, "body_timeout"),
        (401, "unauthorized"),
    ]
    refused = rig.registry.get_sample_value
    assert refused("hub_console_refusals_total", {"status": "400", "code": "bad_request"}) == 2
    assert refused("hub_console_refusals_total", {"status": "431", "code": "head_too_large"}) == 1
    assert refused("hub_console_refusals_total", {"status": "408", "code": "body_timeout"}) == 1
    assert refused("hub_ack_requests_total", {"domain": "polizei", "outcome": "body_timeout"}) == 1


def test_a_connection_is_refused_with_503_only_when_every_held_one_is_being_answered() -> None:
    """uvicorn with the gate full of connections being answered: a new one gets 503 overloaded as JSON and is
    closed at once (counted as refused), before it sent anything."""
    rig = rig_with_alert(http_max_connections=1)
    config = edge_config(rig.console)

    async def scenario() -> Answer:
        config.edge.gate.open(Busy())
        server = uvicorn.Server(config)
        with socket.create_server(("127.0.0.1", 0)) as sock:
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            await wait_until_async(lambda: server.started, 30, "uvicorn did not start")
            reader, writer = await asyncio.open_connection(*sock.getsockname())
            answer = parse_answer(await reader.read())
            writer.close()
            await writer.wait_closed()
            server.should_exit = True
            await serving
        config.edge.gate.close()
        return answer

    answer = asyncio.run(scenario())
    assert (answer.status, json.loads(answer.body)["code"]) == (503, "overloaded")
    labels = {"server": "console", "reason": "refused"}
    assert rig.registry.get_sample_value("hub_http_connections_closed_total", labels) == 1
