"""The alarm-to-console benchmark (bench/bench_alarm_to_console.py, issue 17 item 5) runs end to end on the session's
broker and database with a tiny flow: every measured alarm gets its row, and every span its figures. No figure is
checked: speed is the benchmark's to print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.bench_alarm_to_console import SPANS

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_every_row(endpoints: tuple[str, str], database_url: str, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "bench.bench_alarm_to_console", "--quick", "--out", str(tmp_path)]
    argv += ["--kafka-bootstrap", endpoints[0], "--database-url", database_url]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "alarm_to_console.json").read_text())
    rows = result["alarms"]
    assert result["alarms_raised"] > 0
    assert len(rows) == result["alarms_raised"]
    assert len({row["incident_id"] for row in rows}) == len(rows)
    for row in rows:
        # Each alarm went raw -> normalise -> router -> alerts.polizei -> alert-store -> console -> every client.
        assert row["canon_ms"] is not None
        assert row["alert_ms"] is not None
        assert row["recommendation_alert_ms"] is not None
        assert len(row["console_ms"]) == result["clients"]
    assert list(result["spans"]) == list(SPANS)
    for name, span in result["spans"].items():
        assert span["n"] > 0, name
        assert {"p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"} <= set(span)
    assert result["counts"]["on_console_pairs"] == result["counts"]["expected_console_pairs"]
    assert {"cpus", "cpu_model", "load_average"} <= set(result["machine"])
    assert len(result["load_average_before"]) == 3
    assert set(result["cpu_share_during_flow"]) == {"normalise", "router", "alert-store", "console", "benchmark"}
    assert "alarm -> console, every client" in done.stdout
