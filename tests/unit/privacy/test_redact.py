"""The log redactor: marked keys and phone numbers, e-mail addresses and IBANs are masked, through nested values
and tracebacks; ordinary log content (times, addresses of servers, ids, counts) is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hub.privacy.redact import REDACTED, redact_event_dict, redact_text, redact_value, redacted_keys
from hub.schemas import KINDS, sensitive_fields


def test_keys_come_from_the_schema_marks() -> None:
    """Every leaf of every marked field of every kind is a redacted key, plus the documented extras."""
    keys = redacted_keys()
    for kind in KINDS.values():
        for path in sensitive_fields(kind.model):
            assert path.rsplit(".", 1)[-1] in keys
    assert {"description", "name", "phone", "address", "assessment", "unit", "position", "caller"} <= keys


def test_marked_keys_are_replaced_whole_at_any_depth() -> None:
    """A caller, a description or a call sign is replaced wherever it sits; other keys stay."""
    event = {
        "event": "dead-lettered",
        "stage": "pseudonymise",
        "offset": 41,
        "caller": {"name": "Erika Mustermann", "phone": "0345 1234567"},
        "Description": "Frau Mustermann wurde bedrängt",
        "context": {"unit": "Saale 12/1", "items": [{"assessment": "amtsbekannt"}], "ok": None},
        "name": None,
    }
    out = redact_event_dict(None, "info", dict(event))
    assert out["caller"] == REDACTED
    assert out["Description"] == REDACTED
    assert out["context"] == {"unit": REDACTED, "items": [{"assessment": REDACTED}], "ok": None}
    assert out["name"] is None
    assert (out["event"], out["stage"], out["offset"]) == ("dead-lettered", "pseudonymise", 41)


@pytest.mark.parametrize(
    "text",
    [
        "Rückruf unter 0345 1234567 erbeten",
        "Tel.: +49 30 23125 123",
        "mobil 0176-12345678",
        "Festnetz (0345) 123 45 67",
        "international 0049 345 1234567",
        "+49 (0)345 6789012",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    """German phone numbers in the usual notations are masked in free text."""
    masked = redact_text(text)
    assert "[redacted:phone]" in masked
    assert not any(ch.isdigit() for ch in masked.replace("[redacted:phone]", "").split(":")[-1])


def test_email_and_iban_are_masked() -> None:
    """E-mail addresses and IBANs, grouped or solid, are masked."""
    masked = redact_text(
        "Mail an erika.m+hub@example.org, IBAN DE89 3704 0044 0532 0130 00 oder DE89370400440532013000"
    )
    assert masked == "Mail an [redacted:email], IBAN [redacted:iban] oder [redacted:iban]"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T22:00:07.123456Z",
        "http://127.0.0.1:19092/metrics",
        "event bdf4ea06-12ec-5658-b3ca-342d0f15b202 at offset 1234567",
        "took 0.0123 s for 500 events",
        "partition 3 offset 00000042",
        "de:15002:5232",
        "retry in 10.0 s, 20.11.2026",
        "t0123456789.canon.incident",
    ],
)
def test_ordinary_log_content_is_left_alone(text: str) -> None:
    """Timestamps, URLs with ports, UUIDs, counts, stop ids and topic names are not mistaken for personal data."""
    assert redact_text(text) == text


def test_pydantic_input_values_are_masked() -> None:
    """A validation error in a traceback quotes the refused input; the quote is masked, the error kept."""
    text = "1 validation error\n  Input should be a valid integer [type=int_parsing, input_value='Erika Mustermann']"
    assert redact_text(text) == (
        "1 validation error\n  Input should be a valid integer [type=int_parsing, input_value=[redacted]]"
    )


def test_redact_value_never_changes_its_input() -> None:
    """The processor works on copies of nested values; the caller's objects stay as they were."""
    value = {"caller": {"name": "x"}, "list": ["0345 1234567"]}
    redact_value(value)
    assert value == {"caller": {"name": "x"}, "list": ["0345 1234567"]}
    assert redact_value(b"mail a@b.de") == "mail [redacted:email]"
    assert redact_value(("0345 1234567",)) == ["[redacted:phone]"]


def test_configured_logging_redacts_our_logs_library_logs_and_tracebacks() -> None:
    """Through configure_logging, a structlog event, a stdlib record and an exception all come out redacted."""
    script = """
import logging
import structlog
from hub.config import Settings
from hub.logging import configure_logging

configure_logging(Settings(log_format="json"))
log = structlog.get_logger("test")
log.info("one", caller={"name": "Erika Mustermann"}, note="ruf an: 0345 1234567")
logging.getLogger("faust").warning("lib says mail erika@example.org")
try:
    raise ValueError("IBAN DE89 3704 0044 0532 0130 00 refused")
except ValueError:
    log.exception("failed", description="Max Mustermann, Leipziger Str. 12")
"""
    env = {**os.environ, "HUB_LOG_LEVEL": "info"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert len(lines) == 3
    assert lines[0]["caller"] == REDACTED
    assert lines[0]["note"] == "ruf an: [redacted:phone]"
    assert lines[1]["event"] == "lib says mail [redacted:email]"
    assert lines[2]["description"] == REDACTED
    assert "[redacted:iban]" in lines[2]["exception"]
    for canary in ("Mustermann", "0345", "erika@", "DE89", "Leipziger"):
        assert canary not in result.stderr


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("unknown kind 'Anrufer Kwame Asante'", "unknown kind 'Anrufer [redacted:name]'"),
        ("unknown kind 'Erika Mustermann 0176 1234567'", "unknown kind '[redacted:name] [redacted:phone]'"),
        ("refused: Herr Okonkwo, Pkw HAL-AB 123", "refused: Herr [redacted:name], Pkw [redacted:plate]"),
        ("Pkw PO 5XY12 (PL), Kennzeichen WGM 20418", None),
        ("IBAN DE89370400440532013000 in reason", "IBAN [redacted:iban] in reason"),
        (
            "Ausweis-Nr. L01X00T47, Steuer-ID 65929970489",
            "Ausweis-Nr. [redacted:idnumber], Steuer-ID [redacted:idnumber]",
        ),
        ("FIN WVWZZZ1KZAW123456 gestohlen", "FIN [redacted:idnumber] gestohlen"),
        ("geb. 03.04.1987, Reilstraße 17", "geb. [redacted:dob], [redacted:address]"),
        ("der 17-jährige Syrer", "der 17-jährige [redacted:origin]"),
        (
            "refused: kennzeichen hal-dk 55, roller 482 KTL",
            "refused: kennzeichen [redacted:plate], roller [redacted:plate]",
        ),
        ("reason quotes kunze_d at gmx.de", "reason quotes [redacted:email]"),
        ("Reisepasses N55798804, geb. 07/02/1988", "Reisepasses [redacted:idnumber], geb. [redacted:dob]"),
    ],
)
def test_every_scrubber_category_is_masked_in_log_text(text: str, masked: str | None) -> None:
    """Names, plates (foreign ones too), IBANs, ID numbers, dates of birth, addresses and origin descriptors are
    masked in log text with their category, as the scrubber finds them."""
    out = redact_text(text)
    if masked is not None:
        assert out == masked
    else:
        assert "5XY12" not in out
        assert "20418" not in out
        assert "[redacted:plate]" in out


@pytest.mark.parametrize(
    "text",
    [
        "consumer group hub-pseudonymise joined, partitions [0, 1, 2]",
        'Traceback (most recent call last):\n  File "/work/main/hub/workers/run.py", line 12, in run',
        "KafkaConnectionError: Unable to bootstrap from [('127.0.0.1', 19092)]",
        "Stage pseudonymise started with 4 workers at 2026-11-20T22:00:07Z",
        "alert for Leo 12/3 at Hst. Marktplatz, Linie 2, Wagen 654",
        "dead letter: field 'description' refused by rule 'max_length'",
        "HUB_MAX_BODY_BYTES must be positive; the German translation is used",
        "instance name must be lower-case; no person can sign in",
        "connected to broker at localhost:9092, retry at next poll",
    ],
)
def test_technical_log_lines_are_not_mistaken_for_personal_data(text: str) -> None:
    """Log lines of the workers, tracebacks, settings, English words that are also names somewhere ("German",
    "Max", "Can") and alerts about call signs, stops, lines and cars stay as they are: in log text the redactor
    takes only names that a title, a role word, a cue or a surname announces."""
    assert redact_text(text) == text


def test_configured_logging_masks_names_and_plates_in_free_log_text() -> None:
    """Through configure_logging, a name and a plate quoted in a reason are masked like phone numbers."""
    script = """
import structlog
from hub.config import Settings
from hub.logging import configure_logging

configure_logging(Settings(log_format="json"))
structlog.get_logger("test").warning("dead-lettered", reason="unknown kind 'Zeugin Abena Owusu, Pkw HAL-XY 42'")
"""
    env = {**os.environ, "HUB_LOG_LEVEL": "info"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    line = json.loads(result.stderr.strip())
    assert line["reason"] == "unknown kind 'Zeugin [redacted:name], Pkw [redacted:plate]'"
