"""An update in the replay format, end to end (issue 15): a concert moved from 19:00 to 20:00 in a partner's NDJSON
file, read twice by a `file` connector instance, ends as one event in PostgreSQL with the later time. Replay lines
carry no version, so the runner used to drop the moved line as a duplicate of the first without a word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.config import Settings
from hub.processes import settings_env
from tests.helpers.cli import hub
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def concert(starts: str) -> dict[str, Any]:
    """The organiser's concert as a transit disruption (the canonical model has no planned events yet)."""
    return {
        "kind": "transit-disruption",
        "source": "/partner/events",
        "id": "concert-2026-12-12",
        "time": "2026-12-01T10:00:00+01:00",
        "data": {
            "disruption_id": "concert-2026-12-12",
            "lines": ["2"],
            "cause": "other",
            "effect": "significant_delays",
            "severity": "info",
            "summary": "Open-air concert at the Marktplatz",
            "valid_from": starts,
            "status": "open",
        },
    }


def test_a_moved_concert_reaches_postgresql_with_its_new_time(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """The same record id with other content is a new version: produced, normalised and stored over the first."""
    env = settings_env(settings)
    feed = tmp_path / "events.ndjson"
    config = tmp_path / "connectors.toml"
    config.write_text(f'[connectors.events]\ntype = "file"\nformat = "replay-ndjson"\npath = "{feed}"\n')
    workers = start_workers("normalise", "sink")

    def run(starts: str) -> None:
        feed.write_text(json.dumps(concert(starts)) + "\n")
        ran = hub("connectors", "run", "events", "--config", str(config), env=env)
        assert ran.returncode == 0, ran.stderr[-3000:]

    run("2026-12-12T19:00:00+01:00")
    workers.wait_for_count("sink", "hub_events_out_total", 1, stage="sink")
    run("2026-12-12T20:00:00+01:00")
    workers.wait_for_count("sink", "hub_events_out_total", 2, stage="sink")

    with psycopg.connect(settings.database_conninfo()) as conn:
        rows = conn.execute("SELECT envelope FROM events WHERE source = '/partner/events'").fetchall()
    [data] = [row[0]["data"] for row in rows]
    assert data["valid_from"] == "2026-12-12T20:00:00+01:00"
