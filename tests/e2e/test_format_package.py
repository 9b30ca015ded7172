"""A format from a separate package (entry point group ``hub.formats``), end to end: installed by pip (offline, from
tests/fixtures), listed by `hub connectors list`, its raw topic created by `hub topics apply`, its documents cut by
`hub connectors run`, mapped by the normaliser worker with the instance's format settings, stored by the sink."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.processes import settings_env
from hub.topology import qualified
from tests.helpers.cli import hub
from tests.helpers.kafka import dead_letters
from tests.helpers.packages import install_fixture, python_path
from tests.helpers.stack import Topics
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

RAW = "raw.hotline.csv-reports"
HEADER = "id;updated;reported;lat;lon;type;priority;status"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example format package installed into a folder of its own."""
    target = install_fixture("hub-format-example", tmp_path_factory.mktemp("site"))
    assert (target / "hub_format_example-0.1.0.dist-info" / "entry_points.txt").is_file()
    return target


def _stored(settings: Settings) -> dict[str, dict[str, Any]]:
    """The hotline's incidents in the events table, by incident id."""
    with psycopg.connect(settings.database_conninfo()) as conn:
        rows = conn.execute("SELECT envelope FROM events WHERE source = '/hotline/csv'").fetchall()
    return {row[0]["data"]["incident_id"]: row[0]["data"] for row in rows}


def test_a_package_format_carries_its_records_to_postgresql(
    site: Path,
    settings: Settings,
    topics: Topics,
    start_workers: WorkerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two hotline reports reach the events table through the package's raw topic and mapper, with the instance's
    ``uncertainty_m``; a row the mapper refuses is dead-lettered by the normaliser with its reason."""
    monkeypatch.setenv("PYTHONPATH", python_path(site))  # the workers started below import the package too
    env = settings_env(settings)

    listed = hub("connectors", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"  hotline-csv              -> {RAW:<36} settings package hub-format-example 0.1.0" in listed.stdout
    assert "kinds: incident" in listed.stdout

    applied = hub("topics", "apply", env=env)
    assert applied.returncode == 0, applied.stderr
    assert f"created      {qualified(settings.topic_prefix, RAW)}  1 partitions" in applied.stdout
    topics.created.add(qualified(settings.topic_prefix, RAW))  # made by `hub topics apply`, not a stray

    workers = start_workers("normalise", "sink")
    export = tmp_path / "hotline.csv"
    export.write_text(
        f"{HEADER}\n"
        "H-1;2026-11-20T21:10:00+01:00;2026-11-20T21:05:00+01:00;51.4825;11.9700;PUBLIC_ORDER/NUISANCE;4;open\n"
        "H-2;2026-11-20T21:12:00+01:00;2026-11-20T21:11:00+01:00;51.4790;11.9650;SAFETY/UNSAFE_PLACE;3;open\n"
        "H-3;2026-11-20T21:13:00+01:00;2026-11-20T21:12:00+01:00;51.4790;11.9650;NO/SUCH_TYPE;3;open\n"
    )
    config = tmp_path / "connectors.toml"
    config.write_text(
        f'[connectors.hotline]\ntype = "file"\nformat = "hotline-csv"\npath = "{export}"\n'
        "[connectors.hotline.format_settings]\nuncertainty_m = 30.0\n"
    )
    assert hub("connectors", "validate", str(config), env=env).returncode == 0
    ran = hub("connectors", "run", "hotline", "--config", str(config), env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]

    workers.wait_for_count("sink", "hub_events_out_total", 2, stage="sink")
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 1, stage="normalise")
    stored = _stored(settings)
    assert sorted(stored) == ["H-1", "H-2"]
    assert stored["H-2"]["type_code"] == "SAFETY/UNSAFE_PLACE"
    assert [stored[i]["location"]["uncertainty_m"] for i in ("H-1", "H-2")] == [30.0, 30.0]  # the settings' value
    [letter] = dead_letters(settings, "normalise")
    headers = parse_headers(letter.headers)
    assert headers["topic"] == qualified(settings.topic_prefix, RAW)
    assert "type_code" in headers["reason"]
    assert b"H-3" in letter.value
