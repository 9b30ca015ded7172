"""Liveness and readiness of a hub process, served beside its metrics.

Every long-running process (stage workers, connectors, the console) serves three paths on its metrics port:

- ``/metrics``: the Prometheus exposition of its registry;
- ``/livez``: 200 while the process's serving thread answers at all (a probe that restarts a hung process);
- ``/readyz``: 200 when every readiness check passes, else 503; the body is JSON naming each check, whether it
  passed and, for a failing one, why (one line, never a record's content). A probe routes traffic or counts the
  process as up only when ready.

Anything else answers 404. A check is a named callable returning ``(ok, detail)``; it runs on the HTTP server's
thread, so it must only read state the process keeps (a flag, a timestamp, a gauge), never block on I/O. Components
that learn their state by events (partitions assigned, a database write failed) keep it in a :class:`Flag`; a
state that must be looked at (is the broker's port open?) is looked at on a thread of its own by a :class:`Watch`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["Check", "Flag", "Readiness", "Watch", "reachable", "serve_probes"]

#: A readiness check: ``(ok, detail)``; ``detail`` says why when not ok (one line, no record content).
Check = Callable[[], tuple[bool, str]]


class Flag:
    """A readiness state set by events: ``set(True)`` when ready, ``set(False, why)`` when not. Starts not ready
    with ``initially`` as the reason. Thread-safe (a bool and a str swapped under the GIL)."""

    def __init__(self, initially: str) -> None:
        self._state: tuple[bool, str] = (False, initially)
        self.since = time.monotonic()

    def set(self, ok: bool, detail: str = "") -> None:
        if (ok, detail) != self._state:
            self._state = (ok, detail)
            self.since = time.monotonic()

    def __call__(self) -> tuple[bool, str]:
        return self._state


class Watch:
    """A blocking ``check`` run every ``interval_s`` on a daemon thread (from ``start``); calling the watch returns
    its last result, so a probe never waits for it. Until the first result: not ready, ``initially``."""

    def __init__(self, check: Check, interval_s: float, initially: str = "not checked yet") -> None:
        self.check = check
        self.interval_s = interval_s
        self.flag = Flag(initially)
        self._stop = threading.Event()

    def start(self) -> Watch:
        threading.Thread(target=self._run, name="hub-readiness-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.flag.set(*self.check())
            except Exception as exc:  # a check must never end the watch
                self.flag.set(False, f"check failed: {type(exc).__name__}")
            self._stop.wait(self.interval_s)

    def __call__(self) -> tuple[bool, str]:
        return self.flag()


def reachable(servers: str, timeout_s: float = 2.0, what: str = "broker") -> tuple[bool, str]:
    """Does any of the comma-separated ``host:port`` ``servers`` accept a TCP connection within ``timeout_s``? For
    a process whose Kafka client does not say whether it is connected (a down broker's port is closed at once; a
    partitioned one times out). Not a protocol check: the start-up checks and the sends themselves cover that."""
    problems = []
    for server in (s.strip() for s in servers.split(",") if s.strip()):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=timeout_s):
                return True, ""
        except (OSError, ValueError) as exc:
            problems.append(f"{server}: {getattr(exc, 'strerror', None) or type(exc).__name__}")
    return False, f"{what} unreachable ({'; '.join(problems) or 'no server given'})"


class Readiness:
    """The named readiness checks of one process; ready when all pass (and there is at least one)."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._lock = threading.Lock()

    def add(self, name: str, check: Check) -> None:
        """Add (or replace) the check ``name``."""
        with self._lock:
            self._checks[name] = check

    def names(self) -> list[str]:
        """The names of the checks, sorted."""
        with self._lock:
            return sorted(self._checks)

    def flag(self, name: str, initially: str) -> Flag:
        """A new :class:`Flag` added as the check ``name``."""
        flag = Flag(initially)
        self.add(name, flag)
        return flag

    def report(self) -> tuple[bool, dict[str, Any]]:
        """``(ready, body)``: each check's result; a check that raises counts as failed with the exception's class."""
        with self._lock:
            checks = dict(self._checks)
        results: dict[str, dict[str, Any]] = {}
        for name, check in sorted(checks.items()):
            try:
                ok, detail = check()
            except Exception as exc:  # a check must never take the probe down
                ok, detail = False, f"check failed: {type(exc).__name__}"
            results[name] = {"ok": ok} if ok else {"ok": False, "detail": detail}
        ready = bool(results) and all(r["ok"] for r in results.values())
        return ready, {"status": "ready" if ready else "not ready", "checks": results}


def _handler(registry: CollectorRegistry, readiness: Readiness) -> type[BaseHTTPRequestHandler]:
    class ProbeHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif path == "/livez":
                self._answer(200, "application/json", b'{"status": "live"}')
            elif path == "/readyz":
                ready, body = readiness.report()
                self._answer(200 if ready else 503, "application/json", json.dumps(body).encode())
            else:
                self._answer(404, "application/json", b'{"error": "not found: /metrics, /livez, /readyz"}')

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds would flood the log; they are not logged."""

    return ProbeHandler


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def serve_probes(registry: CollectorRegistry, readiness: Readiness, host: str, port: int) -> int:
    """Serve ``/metrics``, ``/livez`` and ``/readyz`` on a daemon thread; returns the bound port (0 picks one)."""
    server = _Server((host, port), _handler(registry, readiness))
    threading.Thread(target=server.serve_forever, name="hub-probes", daemon=True).start()
    return int(server.server_address[1])
