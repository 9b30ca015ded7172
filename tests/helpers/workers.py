"""Stage workers for integration tests: ``WorkerFactory`` starts ``hub worker STAGE`` processes for one test (behind
the ``start_workers`` fixture of tests/integration/conftest.py) and stops them at its end; ``Workers`` waits on
their metrics."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.devstack.process import read_log_tail
from hub.errors import StackError
from hub.processes import StageProcess, free_port
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until


class Workers(dict[str, StageProcess]):
    """Running workers by stage, as one ``start_workers`` call started them."""

    def check_alive(self) -> None:
        """Raise (with the log tail) if any of them has exited."""
        for proc in self.values():
            proc.check_alive()

    def wait_for_count(
        self, stage: str, metric: str, at_least: float, /, timeout_s: float = 60.0, **labels: str
    ) -> None:
        """Wait until the sum of ``stage``'s samples of ``metric`` with ``labels`` reaches ``at_least``; fail at once,
        with its log tail, when one of these workers has exited."""
        proc, seen = self[stage], [0.0]

        def reached() -> bool:
            self.check_alive()
            seen[0] = proc.counter(metric, **labels)
            return seen[0] >= at_least

        wait_until(
            reached, timeout_s, lambda: f"{stage}: {metric} {labels} is {seen[0]:g}, not {at_least:g}", interval_s=0.2
        )


class WorkerFactory:
    """Starts stage workers for one test on its settings (every declared topic created first: a worker refuses to
    start without them), each with its own metrics port and a log file in ``log_dir``; stops them at the end."""

    def __init__(self, settings: Settings, topics: Topics, log_dir: Path) -> None:
        self.settings = settings
        self.topics = topics
        self.log_dir = log_dir
        self.started: list[StageProcess] = []

    def __call__(self, *stages: str, ready: bool = True, **updates: Any) -> Workers:
        """Start ``stages`` at once on the test's settings with ``updates`` (``pseudonym_keys="demo"``); with
        ``ready``, return once every one has joined its consumer group (partitions assigned)."""
        self.topics.all()
        settings = self.settings.model_copy(update=updates)
        workers = Workers({stage: StageProcess(settings, stage, free_port(), self._log(stage)) for stage in stages})
        for proc in workers.values():
            self.started.append(proc)
            proc.start()
        if ready:
            for proc in workers.values():
                proc.wait_ready(timeout_s=60)
        return workers

    def _log(self, stage: str) -> Path:
        """``<stage>.log``, or ``<stage>-2.log`` ... for the next worker of the same stage (a restart)."""
        path, n = self.log_dir / f"{stage}.log", 1
        while path.exists() or any(p.log_path == path for p in self.started):
            n += 1
            path = self.log_dir / f"{stage}-{n}.log"
        return path

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM to every worker still running, all at once; their exit codes by log name. Workers the test
        stopped or killed itself are left out."""
        running = [p for p in self.started if _running(p)]
        with ThreadPoolExecutor(max_workers=max(len(running), 1)) as pool:
            codes = list(pool.map(StageProcess.stop, running))
        return {p.log_path.stem: code for p, code in zip(running, codes, strict=True)}

    def log_tails(self, lines: int = 40) -> list[tuple[str, str]]:
        """(title, last lines) of every worker's log, for a failure report."""
        return [
            (f"worker {p.stage}: last lines of {p.log_path}", read_log_tail(p.log_path, lines=lines) or "(empty)")
            for p in self.started
        ]


def _running(proc: StageProcess) -> bool:
    """Whether ``proc`` was started and has not exited."""
    try:
        proc.check_alive()
    except (StackError, RuntimeError):  # exited; never started
        return False
    return True
