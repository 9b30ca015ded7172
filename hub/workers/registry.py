"""The stages a worker can run, by name (``hub worker <stage>``). Each factory builds its stage's shell and checks
its settings before anything connects; ``environ`` is the process environment the entry point read, for the
stages that take key material from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hub.config import Settings
from hub.metrics import StageMetrics
from hub.workers.alert_store import alert_store_stage
from hub.workers.normalise import normalise_stage
from hub.workers.pseudonymise import pseudonymise_stage
from hub.workers.router import router_stage
from hub.workers.shell import StageBase
from hub.workers.sink import sink_stage

StageFactory = Callable[[Settings, StageMetrics, Mapping[str, str]], StageBase]

STAGES: Mapping[str, StageFactory] = {
    "alert-store": lambda settings, metrics, environ: alert_store_stage(settings, metrics),
    "normalise": lambda settings, metrics, environ: normalise_stage(settings, metrics),
    "pseudonymise": pseudonymise_stage,
    "router": router_stage,
    "sink": lambda settings, metrics, environ: sink_stage(settings, metrics),
}
