"""One supervised child process of the embedded stack: spawn, log file, readiness polling, stop.

Children get a parent-death signal (Linux ``PR_SET_PDEATHSIG``): they die with the hub, even on SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import structlog

from hub.errors import StackError

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1
# Only the end of a log matters for an error message; never read a huge log whole.
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class RunAs:
    """An unprivileged account to run a child as (PostgreSQL refuses to run as root)."""

    name: str
    uid: int
    gid: int


def die_with_parent(sig: signal.Signals) -> Callable[[], None] | None:
    """A preexec function that makes the child receive ``sig`` when this process dies (None off Linux).

    Linux sends the signal when the *thread* that forked the child exits, so spawn from a long-lived thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    # Loaded here, in the parent: the child between fork and exec must not import or allocate much.
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        # Runs after the uid switch (CPython calls preexec_fn last), which matters: changing credentials
        # clears the parent-death signal.
        if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            # The parent died before prctl took effect, so the signal will never come. Exit rather than
            # signal ourselves: before exec this is still Python, whose SIGINT handler would only set a flag.
            os._exit(1)

    return preexec


def read_log_tail(path: Path, start: int = 0, lines: int = 20) -> str:
    """The last ``lines`` lines of ``path`` written after byte offset ``start`` ("" if there are none)."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(start, size - _TAIL_BYTES))
            data = fh.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


def open_log(path: Path, part: str, argv: Sequence[str]) -> tuple[IO[bytes], int]:
    """Open ``path`` for appending, mark the start of this run, and return it with the offset of the run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("ab")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    fh.write(f"--- {stamp} hub starts {part}: {' '.join(argv)}\n".encode())
    fh.flush()
    return fh, fh.tell()


class Child:
    """A running child process whose stdout and stderr go to a log file."""

    def __init__(
        self,
        part: str,
        proc: subprocess.Popen[bytes],
        log_path: Path,
        log_start: int,
        stop_signal: signal.Signals,
    ) -> None:
        self.part = part
        self.log_path = log_path
        self.stop_signal = stop_signal
        self._proc = proc
        self._log_start = log_start

    @classmethod
    def spawn(
        cls,
        part: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        stop_signal: signal.Signals = signal.SIGTERM,
        run_as: RunAs | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Child:
        """Start ``argv`` as ``part``; it dies with ``stop_signal`` when this process dies."""
        fh, start = open_log(log_path, part, argv)
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                # Own process group: Ctrl+C in a terminal reaches only the hub, which stops children in order.
                process_group=0,
                preexec_fn=die_with_parent(stop_signal),
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        except OSError as exc:
            raise StackError(f"could not start the embedded {part} ({argv[0]}): {exc}") from exc
        finally:
            fh.close()  # the child holds its own copy of the descriptor
        return cls(part, proc, log_path, start, stop_signal)

    @property
    def pid(self) -> int:
        """The process id."""
        return self._proc.pid

    @property
    def exit_code(self) -> int | None:
        """The exit code (negative: killed by that signal), None while running."""
        return self._proc.poll()

    def running(self) -> bool:
        """True while the process has not exited."""
        return self._proc.poll() is None

    def exit_description(self) -> str:
        """How the process ended, in words ("exit code 1", "killed by SIGKILL"), or "running"."""
        code = self._proc.poll()
        if code is None:
            return "running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"

    def log_tail(self, lines: int = 20) -> str:
        """The last lines this run wrote to its log."""
        return read_log_tail(self.log_path, self._log_start, lines)

    def failure(self, what: str) -> StackError:
        """A StackError saying ``what`` happened to this part, with the tail of its log."""
        tail = self.log_tail() or "(log is empty)"
        return StackError(f"the embedded {self.part} {what}; last lines of {self.log_path}:\n{tail}")

    def wait_ready(self, probe: Callable[[], str | None], timeout_s: float, interval_s: float = 0.05) -> float:
        """Call ``probe`` until it returns None (ready) and return the seconds taken.

        ``probe`` returns a reason while not ready. Raises StackError with the log tail when the process exits
        first or ``timeout_s`` passes.
        """
        started = time.monotonic()
        deadline = started + timeout_s
        while True:
            if not self.running():
                raise self.failure(f"exited during start-up ({self.exit_description()})")
            reason = probe()
            if reason is None:
                return time.monotonic() - started
            if time.monotonic() >= deadline:
                raise self.failure(f"was not ready after {timeout_s:.0f} s (last check: {reason})")
            time.sleep(interval_s)

    def signal_stop(self) -> None:
        """Ask the process to stop (its ``stop_signal``) without waiting."""
        if self.running():
            self._proc.send_signal(self.stop_signal)

    def wait_or_kill(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the process to exit, then SIGKILL it and reap it."""
        try:
            self._proc.wait(timeout=max(timeout_s, 0.0))
        except subprocess.TimeoutExpired:
            log.warning("killing after stop timeout", part=self.part, pid=self.pid, timeout_s=timeout_s)
            self._proc.kill()
            self._proc.wait()
