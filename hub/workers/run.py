"""Run one stage as a worker process, with its own ``/metrics`` endpoint (``hub worker STAGE``): the stateless stages
on the batch shell (``hub.workers.batch``), the router and the alert store as faust workers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import cast

import faust
import structlog

from hub.config import Settings
from hub.errors import ConfigError
from hub.logging import logging_dict_config
from hub.metrics import StageMetrics, process_registry, serve_metrics
from hub.workers.batch import BatchShell
from hub.workers.heap import settle_heap
from hub.workers.registry import STAGES
from hub.workers.shell import StageShell
from hub.workers.startup import check_servers

log = structlog.get_logger(__name__)


class HubWorker(faust.Worker):
    """faust's worker without the second mode's worker sleeps before closing the event loop on every shutdown (by
    then the consumer has left its group): a restarted worker's replacement starts that much sooner. One short
    pass of the loop still lets the connections' close callbacks run."""

    async def _sentinel_task(self) -> None:
        await asyncio.sleep(0.05)


def run_stage(settings: Settings, stage: str, environ: Mapping[str, str]) -> None:
    """Serve metrics, then run ``stage`` until SIGINT/SIGTERM; a faust worker exits the process, a batch shell
    returns. ``environ`` is the environment the entry point read (key material for the stages that need it)."""
    if stage not in STAGES:
        raise ConfigError(f"unknown stage {stage!r}; stages: {', '.join(sorted(STAGES))}")
    registry = process_registry()
    metrics = StageMetrics.create(registry)
    shell = STAGES[stage](settings, metrics, environ)  # refuses bad settings (keys, policy) before any broker is asked
    # Every server the stage needs answers before it joins its group (a stage with a database check writes to one).
    check_servers(settings, database="database" in shell.readiness.names())
    port = serve_metrics(registry, settings.metrics_host, settings.metrics_port, shell.readiness)
    log.info(
        "worker starting",
        stage=stage,
        group=shell.group if isinstance(shell, BatchShell) else cast(StageShell, shell).app.conf.id,
        bootstrap=settings.bootstrap(),
        metrics=f"http://{settings.metrics_host}:{port}/metrics",
    )
    if isinstance(shell, BatchShell):
        settle_heap()
        asyncio.run(shell.serve())  # returns after a stop signal, once the batch in flight is committed
        return
    assert isinstance(shell, StageShell)
    worker = HubWorker(
        shell.app,
        loglevel=settings.log_level,
        logging_config=logging_dict_config(settings),
        redirect_stdouts=False,
        override_logging=True,
    )
    worker.execute_from_commandline()
