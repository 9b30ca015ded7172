"""`hub demo`, the README's first command, as a user runs it: on its own embedded stack, in a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from hub.intercept_demo import line_stops
from hub.processes import free_port

pytestmark = pytest.mark.integration


def test_demo_shows_events_flowing_and_stops_cleanly(stack_dir: Path) -> None:
    """`hub demo` on its own embedded stack stores the valid records, dead-letters the bad ones, reports both,
    routes one driver alarm (a police unit sent to an intercept stop, HAVAG asked to hold the tram there), and
    leaves no process behind."""
    state = stack_dir / "state"
    env = {
        "HUB_STATE_DIR": str(state),
        "HUB_BROKER_PORT": str(free_port()),
        "HUB_POSTGRES_PORT": str(free_port()),
        "HUB_CONSUMER_SESSION_TIMEOUT_S": "3",
    }
    # No HUB_KAFKA_BOOTSTRAP or HUB_DATABASE_URL in the environment (tests/helpers/environment.py): its own stack.
    result = subprocess.run(
        [sys.executable, "-m", "hub", "demo", "--good", "200", "--bad", "20"],
        env={**os.environ, **env, "HUB_LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "200 normalised into canonical CloudEvents" in out
    assert "20 dead-lettered on dlq.normalise" in out
    assert "200 rows in PostgreSQL table events (200 new in this run)" in out
    assert "[malformed_json]" in out
    assert re.search(r"^\s+router \(intercept\.\)\s+ready, metrics at ", out, re.MULTILINE), "the router runs"
    assert "[7/7] intercept routing: a silent driver alarm on tram 654" in out
    dhid = r"\((de:\d+:\d+)\)"
    police = re.search(
        rf"-> police: send (Leopard 12/1) to .+ {dhid}, unit there [\d:]{{8}}, tram [\d:]{{8}}$", out, re.MULTILINE
    )
    havag = re.search(rf"-> HAVAG: hold tram 654 at .+ {dhid} up to (\d+) s$", out, re.MULTILINE)
    assert police is not None, out
    assert havag is not None, out
    ahead = {s.stop_id for s in line_stops()[2:]}
    assert police.group(2) in ahead, "the intercept stop lies ahead of the tram"
    assert havag.group(1) == police.group(2), "HAVAG holds the tram where the unit meets it"
    assert int(havag.group(2)) > 0
    assert "HAVAG's alert names no unit and no caller" in out
    assert leftovers_of(state, env["HUB_BROKER_PORT"]) == [], "the demo must stop everything it started"


def leftovers_of(state: Path, broker_port: str) -> list[int]:
    """Processes that belong to a demo run: its broker, its PostgreSQL, its workers."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        try:
            environ = proc.environ()
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            environ = {}
        if str(state) in cmdline or f":{broker_port}" in cmdline or environ.get("HUB_STATE_DIR") == str(state):
            found.append(proc.info["pid"])
    return found
