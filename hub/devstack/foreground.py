"""``hub dev up``: run the embedded stack in the foreground until SIGINT or SIGTERM, or until a part dies.

Prints the endpoints as ``export`` lines a user can paste into another shell.
"""

from __future__ import annotations

import shlex
import signal
import sys
import time
from types import FrameType
from typing import TextIO

from hub.config import Settings
from hub.devstack.stack import EmbeddedStack, Endpoints, stack_for
from hub.errors import StackError

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_POLL_S = 0.2


class _StopRequested(BaseException):
    """Raised by the signal handler while the stack is still starting, to abandon the start."""


def run_foreground(settings: Settings, out: TextIO = sys.stdout) -> int:
    """Start what settings leave unset, print the endpoints, wait for SIGINT/SIGTERM, stop cleanly.

    Returns 0 after a requested stop, 1 when a part died on its own (its log tail is printed). A failed start
    raises PortInUseError, BinaryNotFoundError or StackError. Must run in the main thread (signal handlers).
    """
    stack = stack_for(settings)
    if stack.broker_port is None and stack.postgres_port is None:
        out.write("nothing to start: HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL are both set\n")
        out.flush()
        return 0
    received: list[int] = []
    starting = True

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal starting
        received.append(signum)
        if starting:
            starting = False  # a second signal must not interrupt the clean-up of the first
            raise _StopRequested

    previous = {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
    try:
        try:
            endpoints = stack.start()
        except _StopRequested:
            return 0  # start() already stopped whatever it had started
        starting = False
        _print_endpoints(stack, endpoints, out)
        try:
            while not received:
                stack.check_alive()
                time.sleep(_POLL_S)
        except StackError as exc:
            out.write(f"{exc}\nstopping the rest of the embedded stack\n")
            out.flush()
            return 1
        out.write(f"received {signal.Signals(received[0]).name}, stopping the embedded stack\n")
        out.flush()
        return 0
    finally:
        starting = False
        try:
            stack.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _print_endpoints(stack: EmbeddedStack, endpoints: Endpoints, out: TextIO) -> None:
    """The running parts, where their logs are, and the lines to paste into another shell."""
    pids = stack.pids
    logs = stack.state_dir / "logs"
    lines = [f"embedded stack is up (state in {stack.state_dir}, logs in {logs}):"]
    exports = []
    if endpoints.kafka_bootstrap is not None:
        lines.append(f"  broker    {endpoints.kafka_bootstrap}  (tansu, pid {pids.get('broker')})")
        exports.append(f"export HUB_KAFKA_BOOTSTRAP={shlex.quote(endpoints.kafka_bootstrap)}")
    if endpoints.database_url is not None:
        lines.append(f"  postgres  {endpoints.database_url}  (pid {pids.get('postgres')})")
        exports.append(f"export HUB_DATABASE_URL={shlex.quote(endpoints.database_url)}")
    lines += ["", "to use it from another shell:", *exports, "", "press Ctrl+C to stop"]
    out.write("\n".join(lines) + "\n")
    out.flush()
