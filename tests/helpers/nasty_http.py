"""Nasty HTTP requests for the servers' property tests: a hypothesis strategy (headers of any bytes, JSON nested
thousands deep, integers of thousands of digits, lone surrogates, bodies that are not UTF-8), the request sent as raw
bytes over a socket (the webhook server's own parser reads it), or handed to an ASGI app as uvicorn would, and what
to check of every answer; a busy connection to fill a server's connection gate with."""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

#: Headers that frame the message: the request renders them itself (a wrong one only makes a server wait).
FRAMING = frozenset({b"content-length", b"transfer-encoding", b"expect", b"connection", b"host", b"upgrade"})


@dataclass(frozen=True)
class NastyRequest:
    """One request: method, target (path and query, ASCII as h11 and aiohttp require), headers, body."""

    method: str
    target: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def raw(self) -> bytes:
        """The request as HTTP/1.1 bytes, with its Host, Content-Length and ``Connection: close``."""
        lines = [self.method.encode() + b" " + self.target + b" HTTP/1.1", b"Host: 127.0.0.1"]
        lines += [name + b": " + value for name, value in self.headers]
        lines += [b"Content-Length: " + str(len(self.body)).encode(), b"Connection: close"]
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body


@dataclass(frozen=True)
class Answer:
    """What came back: status, headers (lower-case names), body."""

    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def problem(self, method: str) -> str | None:
        """What is wrong with this answer, or None: a 5xx, or an error that is not JSON with a reason code."""
        if self.status >= 500:
            return f"server error {self.status}: {self.body[:300]!r}"
        if self.status < 400 or method == "HEAD":  # a HEAD answer has no body to check
            return None
        if not self.headers.get(b"content-type", b"").startswith(b"application/json"):
            return f"{self.status} is not JSON: {self.headers.get(b'content-type')!r} {self.body[:200]!r}"
        try:
            document = json.loads(self.body)
        except ValueError:
            return f"{self.status} body is not JSON: {self.body[:200]!r}"
        if not (isinstance(document, dict) and isinstance(document.get("code"), str) and document.get("error")):
            return f"{self.status} has no reason code: {document!r}"
        return None


class Busy:
    """A connection for a server's ``ConnectionGate`` that is being answered (a gate never closes it)."""

    busy = True

    def abort(self) -> None:
        raise AssertionError("a busy connection must not be closed")


def requests_total(registry: CollectorRegistry, *families: str) -> float:
    """The sum of every series of the counter ``families`` (names without ``_total``)."""
    return sum(
        sample.value
        for family in registry.collect()
        if family.name in families
        for sample in family.samples
        if sample.name.endswith("_total")
    )


# -- values ---------------------------------------------------------------------------------------------------


def _no_newlines(value: bytes) -> bytes:
    return value.replace(b"\r", b"").replace(b"\n", b"")


#: Header values that broke servers or might: not UTF-8, Latin-1, an encoded surrogate, NUL, empty, huge.
ODD_HEADER_VALUES = (
    b"\xff\xfe",
    b"caf\xe9",
    b"\xed\xa0\x80",
    b"a\x00b",
    b"",
    b" ",
    b"\t",
    b"http://[::1",
    b"null",
    b"Bearer",
    b"Bearer \xff",
    b"Bearer caf\xe9",
    b"sha256=\xff",
    b"application/json; charset=\xff",
    b"application/\xff",
    b"hub_session=\xff\xfe; x",
    b"x" * 20_000,
)


def header_values() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(ODD_HEADER_VALUES),
        st.binary(max_size=40).map(_no_newlines),
        st.text(max_size=30).map(lambda t: _no_newlines(t.encode("utf-8", "surrogatepass"))),
    )


#: JSON values that broke servers or might, as the bytes that stand for them in a document.
ODD_JSON_VALUES = (
    b'"\\ud800"',
    b'"\\udfff\\ud800"',
    b'"a\\u0000b"',
    b'"\xff\xfe"',
    b'"caf\xe9"',
    b'"\xed\xa0\x80"',
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"-0",
    b"9" * 5000,
    b"-" + b"1" * 4301,
    b"[" * 3000 + b"]" * 3000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b"null",
    b"true",
    b"[]",
    b"{}",
    b'""',
    b'"' + b"x" * 3000 + b'"',
)


def json_values(valid: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from([*valid, *ODD_JSON_VALUES]),
        st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
        st.text(max_size=20).map(lambda t: json.dumps(t).encode()),
    )


def json_objects(fields: Sequence[str], valid: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """JSON objects of ``fields`` (valid names, so the model is reached) with valid or odd values."""
    pairs = st.lists(st.tuples(st.sampled_from(fields), json_values(valid)), max_size=len(fields) + 1)
    return pairs.map(lambda items: b"{" + b",".join(json.dumps(k).encode() + b":" + v for k, v in items) + b"}")


def bodies(fields: Sequence[str], valid: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Request bodies: objects with odd values, odd JSON alone, lines of them, deep nesting, any bytes."""
    objects = json_objects(fields, valid)
    return st.one_of(
        objects,
        objects,
        json_values(valid),
        st.lists(objects, min_size=2, max_size=4).map(lambda lines: b"\n".join(lines) + b"\n"),
        st.integers(min_value=100, max_value=12_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=4301, max_value=6000).map(lambda n: b'{"revision":' + b"7" * n + b"}"),
        st.binary(max_size=200),
    )


def targets(paths: Sequence[str]) -> st.SearchStrategy[str]:
    """Request targets: the served paths, with odd percent escapes and queries, or none of them."""
    printable = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
    odd = st.sampled_from(["%FF", "%ED%A0%80", "%00", "..", "%2F", "?q=%FF", "?state=%ED%A0%80&priority=9"])
    return st.one_of(
        st.tuples(st.sampled_from(paths), odd).map(lambda pair: pair[0] + pair[1]),
        st.text(printable, max_size=40).map(lambda t: "/" + t),
    )


#: Methods tried on a route besides the one it serves.
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD")


def requests(
    routes: Sequence[tuple[str, str]],
    header_names: Sequence[bytes],
    good_headers: Sequence[tuple[bytes, bytes]],
    fields: Sequence[str],
    valid: Sequence[bytes],
) -> st.SearchStrategy[NastyRequest]:
    """Requests to ``routes`` ((method, path) the server serves: most requests use them as they are, the others
    another method, odd escapes or another path), each of the ``good_headers`` (credentials that let a request reach
    deeper) half the time, odd values for ``header_names``, and bodies of ``fields`` with odd or ``valid`` values."""
    names = st.one_of(
        st.sampled_from(header_names),
        st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=12).map(str.encode),
    ).filter(lambda name: name.lower() not in FRAMING)
    odd_headers = st.lists(st.tuples(names, header_values()), max_size=4)
    good = st.tuples(*(st.booleans() for _ in good_headers)).map(
        lambda chosen: [header for header, keep in zip(good_headers, chosen, strict=True) if keep]
    )
    served = st.sampled_from(routes)
    elsewhere = st.tuples(st.sampled_from(METHODS), targets([path for _, path in routes]))
    return st.builds(
        lambda route, good, odd, body: NastyRequest(route[0], route[1].encode("ascii"), (*good, *odd), body),
        st.one_of(served, served, served, elsewhere),
        good,
        odd_headers,
        bodies(fields, valid),
    )


# -- sending --------------------------------------------------------------------------------------------------


def exchange(port: int, data: bytes, timeout_s: float = 30.0) -> Answer:
    """Send ``data`` to 127.0.0.1:``port`` and read the answer until the server closes (``Connection: close``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return parse_answer(b"".join(chunks))


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers: dict[bytes, bytes] = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split(b" ")[1]), headers, body)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
AsgiApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


async def call_asgi(app: AsgiApp, request: NastyRequest) -> Answer:
    """Hand ``request`` to an ASGI app as uvicorn would (its path percent-decoded, header names in lower case) and
    collect the answer. An exception from the app is raised after what it sent (a 500) is kept in the message."""
    raw_path, _, query = request.target.partition(b"?")
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8480"), *((k.lower(), v) for k, v in request.headers)],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8480),
        "state": {},
    }
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    except Exception as exc:
        start = next((m for m in sent if m["type"] == "http.response.start"), None)
        raise AssertionError(f"the app raised {type(exc).__name__} (answered {start and start['status']})") from exc
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(int(start["status"]), {k.lower(): v for k, v in start.get("headers", [])}, body)
