"""Hub processes as children (demo, tests, benchmarks): stage workers (start, wait until they joined their group,
read their metrics, stop them cleanly with SIGTERM) and the console (``spawn_console``)."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from hub.config import Settings
from hub.devstack.process import Child


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    """The HUB_* environment that gives a child process the same settings."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"HUB_{name.upper()}"] = str(value)
    return env


def healthz_problem(url: str) -> str | None:
    """None once ``url``/healthz answers 200, else why not yet."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - a URL of our own child
            return None if answer.status == 200 else f"/healthz answered {answer.status}"
    except OSError as exc:
        return f"/healthz: {exc}"


def spawn_console(
    settings: Settings,
    log_path: Path,
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = ("console",),
    ready: Callable[[str], str | None] = healthz_problem,
) -> tuple[Child, str]:
    """``hub console`` (or another ``command`` serving the console's app, e.g. ``acks serve``) as a child on
    ``settings``' broker, database and prefix, with ``env`` on top; returns it and its URL once ``ready(url)`` says
    nothing is missing (by default: ``/healthz`` answers 200). The caller stops it."""
    port = free_port(settings.console_host) if port is None else port
    child_env = {**os.environ, **settings_env(settings), "HUB_METRICS_PORT": "0", **(env or {})}
    argv = [sys.executable, "-m", "hub", *command, "--host", settings.console_host, "--port", str(port)]
    child = Child.spawn(" ".join(command), argv, log_path, env=child_env)
    url = f"http://{settings.console_host}:{port}"
    try:
        child.wait_ready(lambda: ready(url), timeout_s=60, interval_s=0.2)
    except BaseException:
        child.signal_stop()
        child.wait_or_kill(20)
        raise
    return child, url


class StageProcess:
    """One ``hub worker STAGE`` child process with its own metrics port and log file."""

    def __init__(self, settings: Settings, stage: str, metrics_port: int, log_path: Path) -> None:
        self.settings = settings
        self.stage = stage
        self.metrics_port = metrics_port
        self.log_path = log_path
        self._child: Child | None = None

    @property
    def metrics_url(self) -> str:
        return f"http://{self.settings.metrics_host}:{self.metrics_port}/metrics"

    def _started(self) -> Child:
        if self._child is None:
            raise RuntimeError(f"worker {self.stage} was not started")
        return self._child

    def start(self) -> None:
        env = {**os.environ, **settings_env(self.settings)}
        env.update({"HUB_METRICS_PORT": str(self.metrics_port), "HUB_LOG_FORMAT": "json"})
        argv = [sys.executable, "-m", "hub", "worker", self.stage]
        self._child = Child.spawn(f"worker {self.stage}", argv, self.log_path, env=env)

    def check_alive(self) -> None:
        """Raise StackError with the log tail if the worker has exited."""
        child = self._started()
        if not child.running():
            raise child.failure(f"exited ({child.exit_description()})")

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of the worker's /metrics as {(name, sorted labels): value}; empty if not serving yet."""
        try:
            with urllib.request.urlopen(self.metrics_url, timeout=2) as resp:  # noqa: S310 (our own loopback URL)
                text = resp.read().decode("utf-8")
        except OSError:
            return {}
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def counter(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels`` (0 when absent)."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and want <= set(ls))

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Wait until the worker has joined its consumer group (partitions assigned)."""

        def probe() -> str | None:
            if self.counter("hub_stage_assigned_partitions", stage=self.stage) > 0:
                return None
            return "no partitions assigned yet"

        self._started().wait_ready(probe, timeout_s, interval_s=0.2)

    def kill(self) -> int | None:
        """SIGKILL, as a crash would: no clean shutdown, no last commit or flush. Returns the exit code."""
        child = self._started()
        child.wait_or_kill(0.0)
        return child.exit_code

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM, wait, then SIGKILL; returns the exit code (None if never started)."""
        if self._child is None:
            return None
        self._child.signal_stop()
        self._child.wait_or_kill(timeout_s)
        return self._child.exit_code
