"""Sample replay data: valid canonical records of every kind mixed with malformed lines of every kind of fault.

Deterministic for a seed, so the demo, the tests and the benchmarks see the same data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.schemas import example_payload
from hub.topology import CANONICAL_KINDS

_SOURCES = {
    "incident": "/polizei/els",
    "vehicle-position": "/havag/itcs",
    "trip-update": "/havag/itcs",
    "transit-disruption": "/havag/itcs",
    "unit-status": "/polizei/tetra",
    "planned-event": "/events/ics",
}
_EPOCH = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


def good_record(i: int) -> dict[str, Any]:
    """Valid replay record number ``i`` (kinds in rotation)."""
    kind = CANONICAL_KINDS[i % len(CANONICAL_KINDS)]
    return {
        "kind": kind,
        "source": _SOURCES[kind],
        "id": f"{kind}-{i:06d}",
        "time": (_EPOCH + timedelta(seconds=7 * i)).isoformat(),
        "data": example_payload(kind, i),
    }


def _with(record: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**record, **changes}).encode()


def _with_data(record: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**record, "data": {**record["data"], **changes}}).encode()


def _without(record: dict[str, Any], key: str) -> bytes:
    return json.dumps({k: v for k, v in record.items() if k != key}).encode()


#: Malformed variants, each a fault a real feed produces; the name says which.
_FAULTS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "truncated-json": lambda r: json.dumps(r).encode()[:-7],
    "not-an-object": lambda r: json.dumps([r]).encode(),
    "plain-text": lambda r: b"HAVAG ITCS heartbeat OK",
    "not-utf8": lambda r: b"\xff\xfe" + json.dumps(r).encode("utf-16-le"),
    "unknown-kind": lambda r: _with(r, kind="weather"),
    "missing-id": lambda r: _without(r, "id"),
    "naive-time": lambda r: _with(r, time="2026-11-20T22:00:00"),
    "bad-latitude": lambda r: _with_data(r, **_bad_position(r)),
    "extra-field": lambda r: _with_data(r, unexpected="x"),
    "data-not-object": lambda r: _with(r, data="incident"),
}


def _bad_position(record: dict[str, Any]) -> dict[str, Any]:
    data = record["data"]
    if "lat" in data:
        return {"lat": 91.5}
    if isinstance(data.get("location"), dict):
        return {"location": {**data["location"], "lat": 123.0}}
    if isinstance(data.get("position"), dict):
        return {"position": {**data["position"], "lat": -95.0}}
    return {"unexpected_position": True}


def sample_lines(good: int, bad: int, seed: int = 2026) -> list[bytes]:
    """``good`` valid lines and ``bad`` malformed ones, shuffled deterministically."""
    rng = random.Random(seed)  # noqa: S311 (shuffling sample data, not security)
    lines = [json.dumps(good_record(i)).encode() for i in range(good)]
    faults = list(_FAULTS.values())
    for j in range(bad):
        lines.append(faults[j % len(faults)](good_record(good + j)))
    rng.shuffle(lines)
    return lines


def write_sample(path: Path, good: int, bad: int, seed: int = 2026) -> Path:
    """Write a sample replay file; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(line + b"\n" for line in sample_lines(good, bad, seed)))
    return path
