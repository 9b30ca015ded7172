"""Every metric deploy/metrics.txt declares (the names the alerting rules and dashboards may use) is served by the
processes that export it: the five stage workers as real ``hub worker`` processes, scraped once, and the connectors'
registry as ``hub connectors run`` builds it. A family declared by a TYPE line counts before its first sample
(``hub_events_dead_lettered_total`` has none until something is dead-lettered).

Names marked ``pending`` in deploy/metrics.txt are being added by other work; they may be missing here, and once a
process serves one the test fails until the mark is removed, so the list stays true."""

from __future__ import annotations

import re
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from hub.connectors.metrics import ConnectorMetrics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory
from tests.unit.test_deploy_metrics import Declared, declared_metrics

pytestmark = pytest.mark.integration

STAGES = ("normalise", "pseudonymise", "router", "sink", "alert-store")
_TYPE = re.compile(r"^# TYPE (\S+) (counter|gauge|histogram|summary|untyped|info)$", re.M)


def served_names(exposition: str) -> set[str]:
    """Sample names an exposition serves or declares: its samples, and for every TYPE line the names its samples
    take (a histogram's ``_bucket``, ``_sum``, ``_count``)."""
    names = {line.split("{", 1)[0].split(" ", 1)[0] for line in exposition.splitlines() if line and line[0] != "#"}
    for family, kind in _TYPE.findall(exposition):
        names.update(
            {
                "histogram": [f"{family}_bucket", f"{family}_sum", f"{family}_count"],
                "summary": [f"{family}_sum", f"{family}_count"],
            }.get(kind, [family])
        )
    return names


def _exporters(declared: Declared) -> tuple[str, ...]:
    return STAGES if declared.exported_by == "stages" else (declared.exported_by,)


def _stages_to_start() -> tuple[str, ...]:
    """The stages deploy/metrics.txt names as exporters; a name every stage exports is checked on each of them
    (each stage's registry is built by the same code, so one suffices: normalise when none is named)."""
    named = {d.exported_by for d in declared_metrics().values()} & set(STAGES)
    return tuple(stage for stage in STAGES if stage in named) or ("normalise",)


def _check(served: dict[str, set[str]]) -> None:
    missing, landed = [], []
    for declared in declared_metrics().values():
        for process in _exporters(declared):
            if process not in served:
                continue
            present = declared.name in served[process]
            if not present and not declared.pending:
                missing.append(f"{declared.name} (by {process})")
            if present and declared.pending:
                landed.append(f"{declared.name} (by {process})")
    assert not missing, f"declared in deploy/metrics.txt but not served: {missing}"
    assert not landed, f"served now: remove `pending` from deploy/metrics.txt for {sorted(set(landed))}"


def _scrape(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return str(answer.read().decode())
    except OSError:
        return None


def test_stage_workers_serve_every_declared_metric(start_workers: WorkerFactory) -> None:
    # A worker declares its families when it makes its registry, before it serves /metrics and long before it has
    # joined its group: scrape as soon as a worker serves everything listed for it (or, for a family made later,
    # once it holds partitions), then kill it. Waiting for every group to settle took most of this test's time.
    stages = _stages_to_start()
    workers = start_workers(*stages, pseudonym_keys="demo", ready=False)
    served: dict[str, set[str]] = {}

    def settled() -> bool:
        workers.check_alive()
        for stage, proc in workers.items():
            text = None if stage in served else _scrape(proc.metrics_url)
            if text is None:
                continue
            names = served_names(text)
            wanted = {d.name for d in declared_metrics().values() if not d.pending and stage in _exporters(d)}
            if wanted <= names or re.search(r"^hub_stage_assigned_partitions\{[^}]*\} [1-9]", text, re.M):
                served[stage] = names
        return len(served) == len(stages)

    try:
        wait_until(settled, 90, lambda: f"workers serving what is listed for them: {sorted(served)}", interval_s=0.2)
    finally:
        for proc in workers.values():
            proc.kill()  # no clean stop needed: the groups are this test's own
    assert all("hub_events_in_total" in names for names in served.values())  # the scrapes found the families
    _check(served)


def test_the_connectors_serve_every_declared_metric() -> None:
    registry = CollectorRegistry()
    metrics = ConnectorMetrics.create(registry)
    metrics.init_instance("havag-vehicles", polling=True)  # as the runner does for each instance it starts
    _check({"connectors": served_names(generate_latest(registry).decode())})


def test_a_name_not_served_is_found_missing() -> None:
    """The check can fail: a registry without the stage metrics misses every declared stage name."""
    with pytest.raises(AssertionError, match="hub_events_in_total"):
        _check({"normalise": served_names(generate_latest(CollectorRegistry()).decode())})
