"""The pipeline benchmark (bench/bench_pipeline.py, issue 13) runs end to end on the session's broker and database
with a tiny input, and writes every row of its report. No figure is checked: speed is the benchmark's to print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.bench_pipeline import SCALE_OUT, SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_every_row(endpoints: tuple[str, str], database_url: str, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "bench.bench_pipeline", "--quick", "--scale-out", "--out", str(tmp_path)]
    argv += ["--kafka-bootstrap", endpoints[0], "--database-url", database_url]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "pipeline.json").read_text())
    scenarios = SCENARIOS + SCALE_OUT
    assert [row["scenario"] for row in result["throughput"]] == list(scenarios)
    assert sorted((r["scenario"], r["round"]) for r in result["runs"]) == sorted((s, 1) for s in scenarios)
    for row in result["throughput"]:
        assert row["events_per_s"] > 0
        assert row["cpu_us_per_event"] >= 0
        assert row["vs_raw_loop"] is not None
        assert row["vs_naive_faust"] is not None
        assert (row["vs_one_worker"] is not None) == (row["scenario"] in SCALE_OUT)
    assert [case["open_incidents"] for case in result["latency"]] == [2, 5]
    for case in result["latency"]:
        assert {"p50_ms", "p95_ms", "p99_ms", "max_ms", "drain_s", "alerted", "incidents_measured"} <= set(case)
        assert case["incidents_measured"] > 0
    assert {"cpus", "cpu_model", "load_average"} <= set(result["machine"])
    assert (tmp_path / "pipeline.png").stat().st_size > 0
    assert "events/s" in done.stdout
