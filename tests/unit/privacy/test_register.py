"""The transfer register's rules: which deliveries are transfers, where an event comes from, the digest, the report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime

import pytest

from hub.privacy.register import (
    UNKNOWN_AGENCY,
    TransferRow,
    content_digest,
    format_transfers,
    is_transfer,
    source_agency,
)


@pytest.mark.parametrize(
    ("source", "agency"),
    [
        ("/polizei/els", "polizei"),
        ("/polizei/cap", "polizei"),
        ("/havag/gtfsrt/vehicle-positions", "havag"),
        ("/ordnungsamt/open311", "ordnungsamt"),
        ("/hub/havag/driver-alarm", "havag"),
        ("https://polizei.example/havag/x", "havag"),  # the path counts, not the host
        ("/ext/cloudevents", UNKNOWN_AGENCY),
        ("/polizeiinspektion/els", UNKNOWN_AGENCY),
        ("urn:uuid:1234", UNKNOWN_AGENCY),
        ("/", UNKNOWN_AGENCY),
    ],
)
def test_source_agency(source: str, agency: str) -> None:
    """The agency is the first path segment of the CloudEvents source, after an optional hub segment."""
    assert source_agency(source) == agency


def test_transfer_rule() -> None:
    """Own agency's domain: no transfer; another agency, analytics, praevention or an unknown source: transfer."""
    assert not is_transfer("polizei", "polizei")
    assert not is_transfer("havag", "havag")
    assert is_transfer("polizei", "havag")
    assert is_transfer("havag", "polizei")
    assert is_transfer("ordnungsamt", "analytics")
    assert is_transfer("polizei", "praevention")
    assert is_transfer(UNKNOWN_AGENCY, "polizei")


def test_digest_is_sha256_of_the_delivered_bytes() -> None:
    """The register keeps the SHA-256 of what was sent, which proves the content without holding it."""
    value = b'{"data":{"caller":null}}'
    assert content_digest(value) == hashlib.sha256(value).hexdigest()
    assert len(content_digest(b"")) == 64


ROWS = [
    TransferRow(
        datetime(2026, 11, 20, 21, 0, 7, tzinfo=UTC),
        "havag",
        "polizei",
        "incident",
        "7d4c1c2e-8f0a-8b1c-9d2e-3f4a5b6c7d8e",
        "0b5a3f1e-6c2d-5e4f-8a9b-1c2d3e4f5a6b",
        "share.havag.incident",
        "Staff and passenger safety",
        "SOG LSA § 28",
        "ab" * 32,
    ),
    TransferRow(
        datetime(2026, 11, 20, 21, 0, 8, tzinfo=UTC),
        "praevention",
        "analytics",
        "aggregate",
        "5e6f7a8b-9c0d-5e1f-8a2b-3c4d5e6f7a8b",
        None,
        "share.praevention.aggregates",
        "Prevention work",
        "DSGVO Art. 89 Abs. 1",
        "cd" * 32,
    ),
]


def test_report_table_lists_rows_and_counts_per_recipient() -> None:
    """The table shows time, recipient, origin, kind, ids, digest prefix and legal basis, then counts."""
    text = format_transfers(ROWS, "table")
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["delivered_at", "recipient", "from", "kind"]
    assert "2026-11-20T21:00:07+00:00" in lines[1]
    assert "SOG LSA § 28" in lines[1]
    assert "abababababababab" in lines[1]
    assert lines[2].split()[5] == "-"  # an aggregate comes from no single canonical event
    assert lines[-1] == "2 transfer(s): havag 1, praevention 1"
    assert format_transfers([], "table").splitlines()[-1] == "0 transfer(s): none"


def test_report_csv_and_json_carry_every_column() -> None:
    """CSV and JSON hold all columns, with times in ISO 8601, for a spreadsheet or another tool."""
    parsed = list(csv.DictReader(io.StringIO(format_transfers(ROWS, "csv"))))
    assert parsed[0]["purpose"] == "Staff and passenger safety"
    assert parsed[0]["delivered_at"] == "2026-11-20T21:00:07+00:00"
    assert parsed[1]["canonical_id"] == ""
    doc = json.loads(format_transfers(ROWS, "json"))
    assert doc[1]["canonical_id"] is None
    assert doc[0]["content_sha256"] == "ab" * 32
    assert set(doc[0]) == set(parsed[0])
