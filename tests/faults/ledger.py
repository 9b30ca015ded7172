"""The fault suite's books: what a run of the pipeline must account for (every source record exactly once, as a
stored event or a dead letter; every transfer in the register; one alert per incident and recipient), the
duplicates seen on the way, and the report printed at the end of the suite."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.kafka_read import read_topic
from hub.privacy.register import is_transfer, source_agency
from hub.samples import good_record
from hub.schemas import CloudEvent
from hub.topology import CANONICAL_KINDS, OPERATIONAL_DOMAINS, canon_topic, dlq_topic, qualified, raw_topic

RAW = raw_topic("replay", "ndjson")


def poison_lines(start: int) -> list[bytes]:
    """Valid-looking records that must still be refused, one reason each: a NUL byte in a string, a lone surrogate
    in an id, an integer of 5,000 digits, a source with whitespace."""
    base = [good_record(start + n) for n in range(4)]
    base[0]["data"] = {**base[0]["data"], "summary" if "summary" in base[0]["data"] else "description": "Tür\u0000zu"}
    lines = [json.dumps(base[0]).encode()]
    lines.append(json.dumps(base[1]).replace(base[1]["id"], base[1]["id"] + "\\ud800", 1).encode())
    lines.append(json.dumps(base[2]).replace('"data": {', '"data": {"huge": ' + "9" * 5000 + ", ", 1).encode())
    base[3]["source"] = "/polizei/els with space"
    lines.append(json.dumps(base[3]).encode())
    return lines


@dataclass(frozen=True)
class Books:
    """What the pipeline holds at one moment."""

    stored_ids: frozenset[str]  # source record ids in the events table
    dead_origins: frozenset[tuple[str, str, str]]  # raw records dead-lettered by the normaliser
    canon_total: int
    canon_distinct: int
    share_total: int
    share_distinct: int
    transfers_missing: int  # transfer shares without a register row
    register_extra: int  # register rows without a share on a share topic
    alerts_doubled: int  # (incident, recipient) pairs with more than one current alert


def read_books(settings: Settings) -> Books:
    """Read topics and tables of ``settings`` (every topic to its end)."""
    prefix, bootstrap = settings.topic_prefix, settings.bootstrap()
    dead = read_topic(bootstrap, qualified(prefix, dlq_topic("normalise")), idle_s=0.5)
    origins = frozenset(
        (h.get("topic", ""), h.get("partition", ""), h.get("offset", ""))
        for h in (parse_headers(r.headers) for r in dead)
    )
    canon = [
        r for kind in CANONICAL_KINDS for r in read_topic(bootstrap, qualified(prefix, canon_topic(kind)), idle_s=0.3)
    ]
    canon_ids = {CloudEvent.from_bytes(r.value).id for r in canon}
    shares: dict[str, tuple[str, CloudEvent]] = {}
    share_total = 0
    for domain in OPERATIONAL_DOMAINS:
        for kind in CANONICAL_KINDS:
            for r in read_topic(bootstrap, qualified(prefix, f"share.{domain}.{kind}"), idle_s=0.2):
                share_total += 1
                event = CloudEvent.from_bytes(r.value)
                shares[event.id] = (domain, event)
    with psycopg.connect(settings.database_conninfo()) as conn:
        stored = frozenset(row[0] for row in conn.execute("SELECT source_record_id FROM events"))
        register = {row[0] for row in conn.execute("SELECT share_id FROM transfer_register")}
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT r.incident_id, a.recipient FROM alerts a JOIN alert_revisions r"
            " ON r.alert_id = a.alert_id AND r.revision = a.revision WHERE a.recipient <> 'havag'"
            " GROUP BY 1, 2 HAVING count(*) > 1) AS d"
        ).fetchone()
    transfers = {sid for sid, (domain, e) in shares.items() if is_transfer(source_agency(e.source), domain)}
    return Books(
        stored_ids=stored,
        dead_origins=origins,
        canon_total=len(canon),
        canon_distinct=len(canon_ids),
        share_total=share_total,
        share_distinct=len(shares),
        transfers_missing=len(transfers - register),
        register_extra=len(register - set(shares)),
        alerts_doubled=int(doubled[0]) if doubled else 0,
    )


@dataclass
class Expected:
    """What a run must end with: the ids of the valid source records, and how many raw records there were."""

    good_ids: set[str] = field(default_factory=set)
    raw_records: int = 0

    def add(self, lines: Sequence[bytes], valid: Callable[[bytes], str | None]) -> None:
        """Count ``lines`` (all go to the raw topic); those ``valid`` gives an id for must be stored."""
        self.raw_records += len(lines)
        for line in lines:
            found = valid(line)
            if found is not None:
                self.good_ids.add(found)

    def problems(self, books: Books) -> list[str]:
        """Why ``books`` do not (yet) balance; empty when every record is accounted for exactly once."""
        found: list[str] = []
        missing = self.good_ids - books.stored_ids
        if missing:
            found.append(f"{len(missing)} valid records not stored (e.g. {sorted(missing)[:3]})")
        extra = books.stored_ids - self.good_ids
        if extra:
            found.append(f"{len(extra)} stored records that were not valid (e.g. {sorted(extra)[:3]})")
        dead_expected = self.raw_records - len(self.good_ids)
        if len(books.dead_origins) != dead_expected:
            found.append(f"{len(books.dead_origins)} raw records dead-lettered, {dead_expected} expected")
        if books.transfers_missing:
            found.append(f"{books.transfers_missing} transfer shares without a register row")
        if books.register_extra:
            found.append(f"{books.register_extra} register rows without a share")
        if books.alerts_doubled:
            found.append(f"{books.alerts_doubled} incidents with more than one current alert for a recipient")
        return found


def settle(settings: Settings, expected: Expected, timeout_s: float, alive: Callable[[], None]) -> tuple[Books, float]:
    """Wait until the books balance; (the books, seconds it took). Fails naming what is off after ``timeout_s``."""
    started = time.monotonic()
    while True:
        alive()
        books = read_books(settings)
        problems = expected.problems(books)
        if not problems:
            return books, time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"the books do not balance after {timeout_s:.0f} s: " + "; ".join(problems))
        time.sleep(1.0)


@dataclass(frozen=True)
class Row:
    """One fault's figures."""

    fault: str
    records: int
    accounted: str
    duplicates: str
    recovery_s: float
    note: str = ""


@dataclass
class Report:
    """Every fault's row, printed by the suite's terminal summary."""

    rows: list[Row] = field(default_factory=list)

    def add(self, fault: str, expected: Expected, books: Books, recovery_s: float, note: str = "") -> None:
        accounted = (
            f"{len(books.stored_ids)} stored + {len(books.dead_origins)} dead-lettered of {expected.raw_records}"
        )
        duplicates = (
            f"canon {books.canon_total - books.canon_distinct}/{books.canon_total}, "
            f"shares {books.share_total - books.share_distinct}/{books.share_total}"
        )
        self.rows.append(Row(fault, expected.raw_records, accounted, duplicates, recovery_s, note))

    def lines(self) -> list[str]:
        out = []
        for row in self.rows:
            out.append(
                f"{row.fault}: {row.accounted}; duplicates {row.duplicates}; "
                f"settled {row.recovery_s:.1f} s after the fault"
            )
            if row.note:
                out.append(f"    {row.note}")
        return out


def write_lines(path: Path, lines: Sequence[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
