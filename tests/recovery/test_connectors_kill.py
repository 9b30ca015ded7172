"""A `hub connectors run` process killed with SIGKILL in the middle of a large feed, and restarted, neither
repeats nor skips a record: the raw topic holds every record of the feed exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hub.config import Settings
from hub.formats.base import content_id
from hub.kafka_read import read_topic
from hub.processes import settings_env
from hub.samples import good_record
from hub.topology import dlq_topic, qualified, raw_topic
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration

RECORDS = 12_000
CHUNK = 100


def start(settings: Settings, config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`hub connectors run big` on ``settings``, its output appended to ``log``."""
    env = {**os.environ, **settings_env(settings), "HUB_METRICS_PORT": "0", "HUB_LOG_FORMAT": "json"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hub", "connectors", "run", "big", "--config", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def checkpoint_offset(path: Path) -> int:
    """The file offset the connector's checkpoint at ``path`` has reached (0 before the first)."""
    try:
        return int(json.loads(path.read_bytes())["state"].get("offset", 0))
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def kill_mid_feed(proc: subprocess.Popen[bytes], checkpoint: Path, after: int, size: int) -> int:
    """SIGKILL ``proc`` soon after its checkpoint passed ``after`` bytes; returns the offset it had then."""

    def progressed() -> bool:
        assert proc.poll() is None, "the connector exited before it could be killed"
        return checkpoint_offset(checkpoint) > after

    wait_until(progressed, 60, "the connector made no progress", interval_s=0.005)
    # A random extra moment, so the kill lands anywhere: mid-produce, between ack and checkpoint, mid-write. This
    # sleep is the thing under test (a kill at an arbitrary moment), not a wait for something to happen.
    time.sleep(random.uniform(0.0, 0.05))
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    offset = checkpoint_offset(checkpoint)
    assert offset < size, "the feed was finished before the kill: the test proves nothing"
    return offset


def test_sigkill_mid_feed_then_restart_emits_every_record_exactly_once(
    endpoints: tuple[str, str], topic_prefix: str, topics: Topics, tmp_path: Path
) -> None:
    """Two SIGKILLs at random moments while a 12,000-record file is produced; the third run finishes by itself.
    The raw topic then holds each (record id, version) of the file once: no duplicate, no gap."""
    settings = Settings(kafka_bootstrap=endpoints[0], topic_prefix=topic_prefix, state_dir=tmp_path / "state")
    topics(raw_topic("replay", "ndjson"), dlq_topic("connectors"))
    feed = tmp_path / "big.ndjson"
    feed.write_text("".join(json.dumps(good_record(i)) + "\n" for i in range(RECORDS)))
    size = feed.stat().st_size
    config = tmp_path / "connectors.toml"
    config.write_text(
        f'[connectors.big]\ntype = "file"\nformat = "replay-ndjson"\npath = "{feed}"\nlines_per_document = {CHUNK}\n'
    )
    checkpoint = settings.state_dir / "connectors" / "big.json"
    log = tmp_path / "connectors.log"

    first = kill_mid_feed(start(settings, config, log), checkpoint, 0, size)
    second = kill_mid_feed(start(settings, config, log), checkpoint, first, size)
    last = start(settings, config, log)
    assert last.wait(120) == 0, log.read_text()[-3000:]
    assert checkpoint_offset(checkpoint) == size

    records = read_topic(settings.bootstrap(), qualified(topic_prefix, raw_topic("replay", "ndjson")), idle_s=1.0)
    produced = Counter(
        (dict(r.headers)["hub_record_id"].decode(), dict(r.headers)["hub_record_version"].decode()) for r in records
    )
    repeated = [ident for ident, n in produced.items() if n > 1]
    assert repeated == [], f"{len(repeated)} records produced twice (kills at offsets {first}, {second})"
    # A replay line's version is a digest of the line (it has no version of its own).
    assert set(produced) == {
        (good_record(i)["id"], content_id(json.dumps(good_record(i)).encode())) for i in range(RECORDS)
    }
    assert len(records) == RECORDS
    starts = [json.loads(line) for line in log.read_text().splitlines() if "connector instance starting" in line]
    assert [s["checkpoint"] for s in starts] == ["none", "found", "found"]
