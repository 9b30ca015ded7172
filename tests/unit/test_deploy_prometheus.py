"""The Prometheus side of the deployment, checked by Prometheus's own promtool: the config loads with its rule files,
every rule file is valid, every rule's unit tests pass, and every alert rule has a test in which it fires.

promtool comes from Debian's ``prometheus`` package, which ``make install`` installs; without it these tests skip
and say so (in CI, where it must be installed, they fail instead)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = sorted((DEPLOY / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((DEPLOY / "prometheus" / "tests").glob("*.test.yml"))


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


def alert_names(paths: list[Path]) -> set[str]:
    return {
        rule["alert"]
        for path in paths
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_there_are_rules_and_tests() -> None:
    assert RULES, "no rule files under deploy/prometheus/rules"
    assert [p.name.removesuffix(".test.yml") for p in RULE_TESTS] == [p.stem for p in RULES], (
        "each rule file needs its unit-test file deploy/prometheus/tests/<name>.test.yml"
    )


@pytest.mark.parametrize(
    "config", ["deploy/prometheus.yml", "deploy/kubernetes/prometheus.yml", "deploy/systemd/prometheus.yml"]
)
def test_the_config_and_its_rule_files_are_valid(config: str) -> None:
    promtool = require_tool("promtool", "prometheus")
    result = _run(promtool, "check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    # The compose and Kubernetes configs load every rule file (their glob), so a new file cannot be left out.
    if "systemd" not in config:
        for path in RULES:
            assert f"{path.relative_to(ROOT / 'deploy')}" in result.stdout, result.stdout


def test_the_rule_files_are_valid() -> None:
    promtool = require_tool("promtool", "prometheus")
    result = _run(promtool, "check", "rules", *(str(p.relative_to(ROOT)) for p in RULES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", RULE_TESTS, ids=lambda p: p.name)
def test_the_rules_unit_tests_pass(test_file: Path) -> None:
    promtool = require_tool("promtool", "prometheus")
    result = _run(promtool, "test", "rules", str(test_file.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_test_in_which_it_fires() -> None:
    fired: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    fired.add(check["alertname"])
    missing = alert_names(RULES) - fired
    assert not missing, f"alert rules without a test case that expects them to fire: {sorted(missing)}"


def test_every_alert_names_its_runbook_section_in_the_operations_guide() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    headings = {line.lstrip("#").strip().lower() for line in guide.splitlines() if line.startswith("#")}
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
                assert rule["alert"].lower() in headings, f"docs/operations.md has no section `### {rule['alert']}`"


def test_connectors_left_out_of_the_silence_rule_are_event_driven_instances_of_the_deployment() -> None:
    """HubConnectorSilent leaves out, by name, instances whose sources send only when something happens; each name
    must be such an instance of deploy/connectors.toml (a renamed instance would otherwise alert every night)."""
    import tomllib

    (rule,) = [
        r
        for g in yaml.safe_load((ROOT / "deploy/prometheus/rules/connectors.yml").read_text())["groups"]
        for r in g["rules"]
        if r.get("alert") == "HubConnectorSilent"
    ]
    excluded = set(re.findall(r'connector!~"([^"]+)"', rule["expr"]))
    assert len(excluded) == 1, "both branches of the rule leave out the same instances"
    instances = tomllib.loads((ROOT / "deploy/connectors.toml").read_text())["connectors"]
    for name in excluded.pop().split("|"):
        if name.endswith(".*"):
            continue
        assert instances[name]["type"] in ("webhook", "folder"), f"{name} is polled: its silence is an outage"


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """Prometheus's own parser checks the dashboards' queries: each becomes a recording rule of a file promtool
    checks (Grafana sends them to Prometheus as they are)."""
    from tests.unit.test_deploy_metrics import dashboard_exprs

    promtool = require_tool("promtool", "prometheus")
    exprs = sorted({expr for _, expr in dashboard_exprs()})
    assert len(exprs) >= 20
    rules = {
        "groups": [
            {"name": "dashboards", "rules": [{"record": f"dashboard:q{n}", "expr": e} for n, e in enumerate(exprs)]}
        ]
    }
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump(rules))
    result = _run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


def test_dashboard_panels_do_not_overlap() -> None:
    import json

    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        taken: set[tuple[int, int]] = set()
        for panel in json.loads(path.read_text())["panels"]:
            g = panel["gridPos"]
            assert g["x"] + g["w"] <= 24, (path.name, panel["title"])
            cells = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
            assert not cells & taken, f"{path.name}: {panel['title']!r} overlaps another panel"
            taken |= cells
