"""The transfer register (SOG LSA § 26 record, § 28 special register): every message delivered to another agency's
domain with recipient, purpose, legal basis, time, ids, kind and a SHA-256 of the content. Pure rules for what is a
transfer, the register's record types and the report's formats; the SQL is in ``hub.store.register``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "AGENCIES",
    "UNKNOWN_AGENCY",
    "ReportFormat",
    "Transfer",
    "TransferRow",
    "content_digest",
    "format_transfers",
    "is_transfer",
    "source_agency",
]

AGENCIES = ("polizei", "havag", "ordnungsamt")
"""Agencies that produce events and also have a domain of their own."""

UNKNOWN_AGENCY = "unknown"
"""The source agency of an event whose ``source`` names none of ``AGENCIES``: every delivery of it is a transfer."""

ReportFormat = Literal["table", "csv", "json"]


@lru_cache(maxsize=1024)  # an event's source is one of a few; this runs for every event and share
def source_agency(source: str) -> str:
    """The agency an event came from, by its CloudEvents ``source``: the first path segment (``/polizei/els`` ->
    ``polizei``), after an optional ``hub`` segment (``/hub/havag/...``); for a URI the path counts, not the host."""
    path = urlsplit(source).path if "://" in source else source
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == "hub":
        segments = segments[1:]
    if segments and segments[0] in AGENCIES:
        return segments[0]
    return UNKNOWN_AGENCY


def is_transfer(agency: str, recipient: str) -> bool:
    """Whether delivering an event of ``agency`` to domain ``recipient`` is a transfer to another agency. Domains
    that are no agency (analytics, praevention) always count as another, and so does an unknown source."""
    return agency == UNKNOWN_AGENCY or agency != recipient


def content_digest(value: bytes) -> str:
    """SHA-256 of the delivered bytes, hex: proves what was sent without keeping it."""
    return hashlib.sha256(value).hexdigest()


class Transfer(NamedTuple):
    """One delivery to another agency's domain, as the register records it (the time is added on writing). A named
    tuple: the pseudonymiser makes one per share, and a tuple is made in a quarter of a frozen dataclass's time."""

    share_id: str
    canonical_id: str | None
    recipient: str
    source_agency: str
    kind: str
    topic: str
    purpose: str
    legal_basis: str
    content_sha256: str


@dataclass(frozen=True)
class TransferRow:
    """One register row, read back for the report."""

    delivered_at: datetime
    recipient: str
    source_agency: str
    kind: str
    share_id: str
    canonical_id: str | None
    topic: str
    purpose: str
    legal_basis: str
    content_sha256: str


_TABLE_COLUMNS = (
    ("delivered_at", 25),
    ("recipient", 11),
    ("from", 11),
    ("kind", 18),
    ("share_id", 36),
    ("canonical_id", 36),
    ("sha256", 16),
    ("legal_basis", 0),
)


def format_transfers(rows: Sequence[TransferRow], fmt: ReportFormat) -> str:
    """The report: an aligned table with a count per recipient, CSV with every column, or a JSON array."""
    if fmt == "json":
        return json.dumps([_jsonable(row) for row in rows], ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(TransferRow.__dataclass_fields__))
        for row in rows:
            writer.writerow(_jsonable(row).values())
        return out.getvalue().rstrip("\n")
    lines = ["  ".join(f"{name:<{width}}" for name, width in _TABLE_COLUMNS).rstrip()]
    for r in rows:
        cells = (
            r.delivered_at.isoformat(timespec="seconds"),
            r.recipient,
            r.source_agency,
            r.kind,
            r.share_id,
            r.canonical_id or "-",
            r.content_sha256[:16],
            r.legal_basis,
        )
        lines.append("  ".join(f"{c:<{w}}" for c, (_, w) in zip(cells, _TABLE_COLUMNS, strict=True)).rstrip())
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.recipient] = counts.get(r.recipient, 0) + 1
    summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"
    lines.append(f"{len(rows)} transfer(s): {summary}")
    return "\n".join(lines)


def _jsonable(row: TransferRow) -> dict[str, Any]:
    data = asdict(row)
    data["delivered_at"] = row.delivered_at.isoformat()
    return data
