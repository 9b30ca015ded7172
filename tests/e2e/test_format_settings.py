"""Per-instance format settings end to end: a SIRI-SX server that sends local times, read by a connector instance
whose ``format_settings`` name the time zone, reaches PostgreSQL; the same feed read by an instance without them is
refused by the normaliser with a reason that names the setting; a wrong zone is refused by `hub connectors
validate`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.processes import settings_env
from tests.helpers.cli import hub
from tests.helpers.kafka import dead_letters
from tests.helpers.workers import WorkerFactory
from tests.unit.formats.test_siri_sx import SITUATION, delivery, situation

pytestmark = pytest.mark.integration


def _local_feed(number: str) -> bytes:
    """A SIRI-SX delivery with one situation whose times carry no UTC offset (the server's local time)."""
    return delivery(situation(SituationNumber=number)).replace(b"+01:00", b"")


def _config(path: Path, feeds: dict[str, tuple[Path, str | None]]) -> Path:
    """A connectors file with one ``file`` instance of format siri-sx per feed, with ``naive_tz`` when given."""
    text = ""
    for name, (feed, zone) in feeds.items():
        text += f'[connectors.{name}]\ntype = "file"\nformat = "siri-sx"\npath = "{feed}"\n'
        if zone is not None:
            text += f'[connectors.{name}.format_settings]\nnaive_tz = "{zone}"\n'
    path.write_text(text)
    return path


def test_a_local_time_feed_needs_naive_tz_in_the_connectors_file(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """With ``naive_tz = "Europe/Berlin"`` the situation is stored with its times in UTC (07:00 local is 06:00Z in
    November); without it the record goes to dlq.normalise with a reason naming ``format_settings.naive_tz``."""
    assert b"+01:00" in SITUATION.encode()
    env = settings_env(settings)
    zoned, plain = tmp_path / "zoned.xml", tmp_path / "plain.xml"
    zoned.write_bytes(_local_feed("HAVAG-SX-LOCAL"))
    plain.write_bytes(_local_feed("HAVAG-SX-PLAIN"))
    config = _config(tmp_path / "connectors.toml", {"sx-zoned": (zoned, "Europe/Berlin"), "sx-plain": (plain, None)})
    assert hub("connectors", "validate", str(config), env=env).returncode == 0

    workers = start_workers("normalise", "sink")
    ran = hub("connectors", "run", "--all", "--config", str(config), env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    workers.wait_for_count("sink", "hub_events_out_total", 1, stage="sink")
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 1, stage="normalise")

    with psycopg.connect(settings.database_conninfo()) as conn:
        rows = conn.execute("SELECT envelope FROM events WHERE kind = 'transit-disruption'").fetchall()
    [data] = [row[0]["data"] for row in rows]
    assert data["disruption_id"] == "HAVAG-SX-LOCAL"
    assert datetime.fromisoformat(data["valid_from"]) == datetime.fromisoformat("2026-11-20T06:00:00+00:00")

    [letter] = dead_letters(settings, "normalise")
    headers = parse_headers(letter.headers)
    assert headers["code"] == "schema_violation"
    assert "has no UTC offset" in headers["reason"]
    assert "format_settings.naive_tz" in headers["reason"]
    assert b"HAVAG-SX-PLAIN" in letter.value


def test_validate_names_a_wrong_time_zone_and_a_setting_the_format_lacks(tmp_path: Path) -> None:
    """`hub connectors validate` exits 1 and names each bad key by its path."""
    feed = tmp_path / "feed.xml"
    config = _config(tmp_path / "bad.toml", {"sx": (feed, "Europe/Halle")})
    config.write_text(
        config.read_text()
        + '[connectors.replay]\ntype = "file"\nformat = "replay-ndjson"\npath = "/x"\n'
        + '[connectors.replay.format_settings]\nnaive_tz = "Europe/Berlin"\n'
    )
    result = hub("connectors", "validate", str(config))
    assert result.returncode == 1
    assert "connectors.sx.format_settings.naive_tz: Value error, unknown time zone 'Europe/Halle'" in result.stderr
    assert "connectors.replay.format_settings: format 'replay-ndjson' takes no settings" in result.stderr
