"""The embedded stack as a whole: which parts to start, in what order, and how they are stopped.

What can be checked before a child runs (binaries, ports) is checked first, so a clash leaves nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import structlog

from hub.config import Settings
from hub.devstack import broker, postgres
from hub.devstack.ports import ensure_port_free
from hub.devstack.process import Child
from hub.errors import StackError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Endpoints:
    """Where the started parts listen; None for a part that was not started."""

    kafka_bootstrap: str | None
    database_url: str | None


class EmbeddedStack:
    """Tansu and PostgreSQL as supervised child processes; a part whose port is None is not started.

    Call ``start`` from a thread that lives as long as the stack (normally the main thread): on Linux the
    children get their parent-death signal when the thread that started them ends.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        broker_port: int | None,
        postgres_port: int | None,
        start_timeout_s: float = 30.0,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.broker_port = broker_port
        self.postgres_port = postgres_port
        self.start_timeout_s = start_timeout_s
        self._children: dict[str, Child] = {}

    def start(self) -> Endpoints:
        """Start the parts and return their endpoints once each answers a real request.

        Raises PortInUseError, BinaryNotFoundError or StackError; whatever was started is stopped again first.
        """
        if self._children:
            raise StackError("the embedded stack is already running; stop it before starting it again")
        broker_port, postgres_port = self.broker_port, self.postgres_port
        broker_bin = broker.broker_binary() if broker_port is not None else None
        pg_bin = postgres.postgres_bin_dir() if postgres_port is not None else None
        if broker_port is not None:
            ensure_port_free(broker_port, broker.PART, broker.PORT_SETTING)
        if postgres_port is not None:
            ensure_port_free(postgres_port, postgres.PART, postgres.PORT_SETTING)
        state_dir = self.state_dir.resolve()
        try:
            if broker_bin is not None and broker_port is not None:
                self._children[broker.PART] = broker.start_broker(
                    broker_bin, broker_port, state_dir / "logs", self.start_timeout_s
                )
            if pg_bin is not None and postgres_port is not None:
                self._children[postgres.PART] = postgres.start_postgres(
                    pg_bin, state_dir, postgres_port, self.start_timeout_s
                )
        except BaseException:
            # Includes KeyboardInterrupt: a half-started stack must not outlive the failed start.
            self.stop()
            raise
        return self.endpoints

    @property
    def endpoints(self) -> Endpoints:
        """Endpoints of the parts started by this stack (None for the others)."""
        kafka = db = None
        if self.broker_port is not None and broker.PART in self._children:
            kafka = broker.bootstrap(self.broker_port)
        if self.postgres_port is not None and postgres.PART in self._children:
            db = postgres.database_url(self.postgres_port)
        return Endpoints(kafka_bootstrap=kafka, database_url=db)

    @property
    def pids(self) -> dict[str, int]:
        """Process ids of the running children by part name ("broker", "postgres")."""
        return {part: child.pid for part, child in self._children.items() if child.running()}

    def check_alive(self) -> None:
        """Raise StackError naming the first part whose process has exited, with the tail of its log."""
        for child in self._children.values():
            if not child.running():
                raise child.failure(f"exited unexpectedly ({child.exit_description()})")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop every child: stop signal, wait up to ``timeout_s`` in all, then SIGKILL. Safe to repeat."""
        if not self._children:
            return
        children = list(reversed(self._children.values()))
        log.info("stopping embedded stack", parts=[c.part for c in children])
        # Signal all first so they shut down in parallel, then wait against one deadline.
        for child in children:
            child.signal_stop()
        deadline = time.monotonic() + timeout_s
        for child in children:
            child.wait_or_kill(deadline - time.monotonic())
            log.info("stopped", part=child.part, pid=child.pid, how=child.exit_description())
        self._children.clear()

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def stack_for(settings: Settings) -> EmbeddedStack:
    """An EmbeddedStack that starts only what settings leave unset.

    No ``kafka_bootstrap``: the broker; no ``database_url``: postgres; in ``state_dir``, on the set ports.
    """
    return EmbeddedStack(
        settings.state_dir,
        broker_port=settings.broker_port if settings.kafka_bootstrap is None else None,
        postgres_port=settings.postgres_port if settings.database_url is None else None,
    )
