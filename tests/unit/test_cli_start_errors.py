"""`hub worker` refuses unusable settings and files with one line on stderr, exit code 2 and no traceback, before
anything connects (issue 14): a bad HUB_TOPIC_PREFIX, a mysql:// database URL, a binary policy file, a key file
that is not ASCII (whose content is never shown)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.cli import main

NOWHERE = "127.0.0.1:1"


def _refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stage: str, **env: str) -> str:
    # The entry point's logging set-up caches the module loggers it meets for the rest of the process (structlog's
    # cache_logger_on_first_use), which would keep later tests' capture_logs from seeing their events: not here.
    monkeypatch.setattr("hub.logging.configure_logging", lambda settings: None)
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", NOWHERE)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["worker", stage]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("hub: error: ")]  # beside the worker's log lines
    assert len(lines) == 1, err
    return lines[0]


def test_a_bad_prefix_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(monkeypatch, capsys, "normalise", HUB_TOPIC_PREFIX="bad prefix!")
    assert "HUB_TOPIC_PREFIX" in line
    assert "a-z A-Z 0-9 . _ -" in line


def test_a_mysql_url_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(monkeypatch, capsys, "alert-store", HUB_DATABASE_URL="mysql://hub:secret@db:3306/hub")
    assert "mysql:// URL: the hub stores in PostgreSQL only" in line
    assert "secret" not in line


def test_a_binary_policy_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"\x00\xff\xfe\x89PNG binary")
    line = _refused(monkeypatch, capsys, "pseudonymise", HUB_POLICY_PATH=str(policy))
    assert f"sharing policy {policy} is not UTF-8 text" in line


def test_a_non_ascii_key_file_is_one_line_without_its_content(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "polizei" / "k1.key"
    key.parent.mkdir(parents=True)
    key.write_bytes("schlüssel==".encode())
    os.chmod(key, 0o600)
    line = _refused(monkeypatch, capsys, "pseudonymise", HUB_PSEUDONYM_KEY_DIR=str(tmp_path / "keys"))
    assert f"{key}: not ASCII text" in line
    assert "schl" not in line
