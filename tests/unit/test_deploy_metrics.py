"""Every metric the deployment's rules and dashboards use is declared in deploy/metrics.txt, and every declared
name the hub already exports is defined in hub/ under that name (prometheus_client adds ``_total`` to counters and
``_bucket``/``_sum``/``_count`` to histograms). tests/integration/test_deploy_metrics.py then scrapes real workers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC_NAME = re.compile(r"\b((?:hub|process)_[a-z0-9_]+)\b")


@dataclass(frozen=True)
class Declared:
    name: str
    labels: frozenset[str]
    exported_by: str
    pending: bool


def declared_metrics() -> dict[str, Declared]:
    """deploy/metrics.txt: name, labels (comma-separated, ``-`` for none), exporter, optional ``pending``."""
    found: dict[str, Declared] = {}
    for n, line in enumerate((DEPLOY / "metrics.txt").read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        assert len(fields) in (3, 4), f"metrics.txt line {n}: {line!r}"
        assert fields[3:] in ([], ["pending"]), f"metrics.txt line {n}: {line!r}"
        name, labels, exporter = fields[:3]
        assert name not in found, f"metrics.txt line {n}: {name} listed twice"
        found[name] = Declared(
            name, frozenset() if labels == "-" else frozenset(labels.split(",")), exporter, len(fields) == 4
        )
    return found


def _rule_exprs() -> Iterator[tuple[str, str]]:
    for path in sorted((DEPLOY / "prometheus" / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                yield f"{path.name}: {rule.get('alert') or rule.get('record')}", rule["expr"]


def _json_queries(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every ``expr`` of a panel target and every templating ``query`` in a dashboard."""
    if isinstance(node, dict):
        title = node.get("title", where) if "targets" in node else where
        for key, value in node.items():
            if key in ("expr", "query") and isinstance(value, str):
                yield where, value
            else:
                yield from _json_queries(value, title)
    elif isinstance(node, list):
        for item in node:
            yield from _json_queries(item, where)


def dashboard_exprs() -> Iterator[tuple[str, str]]:
    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        yield from ((f"{path.name}: {w}", q) for w, q in _json_queries(json.loads(path.read_text()), path.name))


def used_names(exprs: Iterator[tuple[str, str]]) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for where, expr in exprs:
        for name in METRIC_NAME.findall(expr):
            used.setdefault(name, set()).add(where)
    return used


def _grouping_labels(expr: str) -> set[str]:
    """Labels named in ``by (...)``, ``on (...)`` and selectors ``{label=...}`` of an expression."""
    labels: set[str] = set()
    for group in re.findall(r"\b(?:by|on|ignoring|without)\s*\(([^)]*)\)", expr):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    for selector in re.findall(r"(?:hub|process)_[a-z0-9_]+\{([^}]*)\}", expr):
        labels.update(m for m in re.findall(r"([a-z_]+)\s*(?:=~|!~|!=|=)", selector))
    return labels


def test_the_declared_list_parses_and_names_hub_and_process_metrics() -> None:
    declared = declared_metrics()
    assert len(declared) >= 20
    for d in declared.values():
        assert METRIC_NAME.fullmatch(d.name), d.name


def test_the_rules_use_only_declared_metrics() -> None:
    used = used_names(_rule_exprs())
    assert used, "no metric found in the rules: the extraction is broken"
    unknown = {name: sorted(where) for name, where in used.items() if name not in declared_metrics()}
    assert not unknown, f"rules use metrics not in deploy/metrics.txt: {unknown}"


def test_the_dashboards_use_only_declared_metrics() -> None:
    used = used_names(dashboard_exprs())
    assert len(used) >= 15, f"too few metrics found in the dashboards: {sorted(used)}"
    unknown = {name: sorted(where) for name, where in used.items() if name not in declared_metrics()}
    assert not unknown, f"dashboards use metrics not in deploy/metrics.txt: {unknown}"


def test_rules_and_dashboards_use_only_labels_the_metrics_have() -> None:
    declared = declared_metrics()
    # Target labels Prometheus adds to every series, and the histogram bucket bound.
    added = {"job", "instance", "le"}
    for where, expr in [*_rule_exprs(), *dashboard_exprs()]:
        names = [n for n in METRIC_NAME.findall(expr) if n in declared]
        have = added.union(*(declared[n].labels for n in names))
        unknown = _grouping_labels(expr) - have
        assert not unknown, f"{where}: labels {sorted(unknown)} are on none of {names}"


def test_the_dashboards_are_provisioned_grafana_json() -> None:
    uids = set()
    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        assert board["uid"] not in uids
        uids.add(board["uid"])
        assert board["panels"], path.name
        for panel in board["panels"]:
            assert panel["type"] in ("row", "timeseries", "stat", "table"), (path.name, panel["title"])
            for target in panel.get("targets", []):
                assert target["datasource"]["uid"] == "prometheus", (path.name, panel["title"])
    assert {"hub-pipeline", "hub-connectors", "hub-alerts"} <= uids
    source = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert [d["uid"] for d in source["datasources"]] == ["prometheus"]


def _family(name: str) -> str:
    """The name prometheus_client is given for a sample name (``_total``, histogram suffixes removed)."""
    return re.sub(r"_(total|bucket|sum|count)$", "", name)


# process_* come from prometheus_client's process collector, not from a definition in hub/.
@pytest.mark.parametrize(
    "declared",
    [d for d in declared_metrics().values() if not d.pending and d.name.startswith("hub_")],
    ids=lambda d: d.name,
)
def test_every_exported_metric_is_defined_in_hub_under_its_name(declared: Declared) -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "hub").rglob("*.py"))
    assert f'"{_family(declared.name)}"' in source, f"{declared.name}: no metric {_family(declared.name)!r} in hub/"
