"""`hub alerts tail | show | ack` as a user runs them, on a real alert store and broker."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from hub.config import Settings
from hub.kafka_read import read_topic
from hub.processes import settings_env
from hub.router.core import parse_ack
from hub.topology import qualified
from tests.helpers.alerts import T0, action_row, alert, revision_row, store
from tests.helpers.cli import hub
from tests.helpers.stack import Topics

pytestmark = pytest.mark.integration


def _two_revisions(settings: Settings) -> None:
    """al-polizei-0001 r1 and r2 (another unit, later), an action on r1, and a HAVAG alert, as the stage stores
    them from this test's topics."""
    polizei, havag = (qualified(settings.topic_prefix, f"alerts.{d}") for d in ("polizei", "havag"))
    later = {"recommended_unit": "Saale 14/2", "unit_eta": T0 + timedelta(minutes=6)}
    store(
        settings.database_conninfo(),
        [
            revision_row(alert(revision=1), polizei, 1),
            revision_row(alert(revision=2, **later), polizei, 2),
            revision_row(alert("al-havag-0001"), havag, 1),
        ],
        [action_row("al-polizei-0001", 1, note="unterwegs")],
    )


def test_tail_and_show_print_local_times_stop_names_and_changes(settings: Settings) -> None:
    """`tail` prints one line per revision in Halle's time with stop names, without colour when piped, and
    `--follow` prints a revision stored later; `show` prints what changed field by field and the actions; an
    unknown alert is an error naming it (exit 1)."""
    _two_revisions(settings)
    env = settings_env(settings)

    tail = hub("alerts", "tail", "--domain", "polizei", env=env)
    assert tail.returncode == 0, tail.stderr
    lines = tail.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2026-11-20 21:50:00  P1  new")
    assert "al-polizei-0001  r1  at Halle (Saale), Marktplatz  intercept Halle (Saale), Franckeplatz" in lines[0]
    assert lines[1].endswith("unit Saale 14/2")
    assert "\x1b[" not in tail.stdout, "no colour when not on a terminal"
    everyone = hub("alerts", "tail", "--limit", "5", env=env)
    assert "al-havag-0001  r1" in everyone.stdout
    assert "hold: hold_at_stop at Halle (Saale), Franckeplatz for at most 90 s" in everyone.stdout

    show = hub("alerts", "show", "al-polizei-0001", env=env)
    assert show.returncode == 0, show.stderr
    assert "    recommended_unit: Saale 12/1 -> Saale 14/2" in show.stdout
    assert "    unit_eta: 2026-11-20 21:54:00 -> 2026-11-20 21:56:00" in show.stdout
    assert "2026-11-20 21:55:01  acknowledge  r1      by mueller  note: unterwegs" in show.stdout
    unknown = hub("alerts", "show", "al-polizei-9999", env=env)
    assert unknown.returncode == 1
    assert "unknown alert al-polizei-9999" in unknown.stderr

    follow = subprocess.Popen(
        [sys.executable, "-m", "hub", "alerts", "tail", "--follow", "--limit", "1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert follow.stdout is not None
    seen: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [seen.put(line) for line in follow.stdout or ()], daemon=True)
    reader.start()
    try:
        assert "al-polizei-0001  r2" in seen.get(timeout=30), "the last revision first"
        topic = qualified(settings.topic_prefix, "alerts.polizei")
        store(settings.database_conninfo(), [revision_row(alert(revision=3, state="acknowledged"), topic, 3)])
        assert "acknowledged  al-polizei-0001  r3" in seen.get(timeout=30), "then each new one"
    finally:
        follow.terminate()
        follow.wait(timeout=10)
        reader.join(timeout=10)
        follow.stdout.close()


def test_ack_checks_the_store_and_produces_what_the_router_accepts(settings: Settings, topics: Topics) -> None:
    """`ack` of an unknown alert or a stale revision fails (exit 1) saying what changed since; of the latest it
    produces, keyed by alert id, an acknowledgement `parse_ack` takes, with revision, person, action and note."""
    topics("acks.polizei")
    _two_revisions(settings)
    env = settings_env(settings)

    stale = hub("alerts", "ack", "al-polizei-0001", "--revision", "1", env=env)
    assert stale.returncode == 1
    assert "al-polizei-0001 r1 is not the latest revision: r2 is" in stale.stderr
    assert "recommended_unit: Saale 12/1 -> Saale 14/2" in stale.stderr
    assert "Traceback" not in stale.stderr
    unknown = hub("alerts", "ack", "al-polizei-9999", "--revision", "1", env=env)
    assert unknown.returncode == 1
    assert "unknown alert al-polizei-9999" in unknown.stderr
    not_an_id = hub("alerts", "ack", "ALR-1", "--revision", "1", env=env)
    assert not_an_id.returncode == 1
    assert "'ALR-1' is not an alert id" in not_an_id.stderr

    done = hub("alerts", "ack", "al-polizei-0001", "--revision", "2", "--by", "mueller", "--resolve", "--note", "ok")
    assert done.returncode == 2, "needs the settings"
    assert "HUB_DATABASE_URL is not set" in done.stderr
    done = hub(
        "alerts", "ack", "al-polizei-0001", "--revision", "2", "--by", "mueller", "--resolve", "--note", "ok", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "resolve of al-polizei-0001 r2 by mueller" in done.stdout
    [produced] = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "acks.polizei"))
    assert produced.key == b"al-polizei-0001"
    ack = parse_ack("acks.polizei", produced.value)
    assert (ack.alert_id, ack.revision, ack.by, ack.action, ack.note) == (
        "al-polizei-0001",
        2,
        "mueller",
        "resolve",
        "ok",
    )
