"""hub_key_age_seconds{domain}: the age of each domain's active key file, for the domains whose keys are files."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from prometheus_client import CollectorRegistry

from hub.privacy.keys import KEY_DIR_ENV, active_key_times
from hub.workers.key_age import KeyAgeCollector, export_key_age

NOW = 1_800_000_000.0


def _key(folder: Path, kid: str, made: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kid}.key"
    path.write_text(base64.b64encode(os.urandom(32)).decode())
    path.chmod(0o600)
    os.utime(path, (made, made))


def test_the_active_key_files_time_is_taken_and_env_keys_have_none(tmp_path: Path) -> None:
    _key(tmp_path / "polizei", "p1", NOW - 86_400)
    _key(tmp_path / "havag", "h1", NOW - 10 * 86_400)
    _key(tmp_path / "havag", "h2", NOW - 3_600)
    (tmp_path / "havag" / "active").write_text("h2\n")
    environ = {KEY_DIR_ENV: str(tmp_path), "HUB_PSEUDONYM_KEY_ORDNUNGSAMT": "o1:AAAA"}
    assert active_key_times(["polizei", "havag", "ordnungsamt"], environ) == {
        "polizei": NOW - 86_400,
        "havag": NOW - 3_600,
    }
    assert active_key_times(["polizei"], {}) == {}


def test_the_age_is_exported_per_domain_at_scrape_time(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    registry.register(KeyAgeCollector({"polizei": NOW - 60}, clock=lambda: NOW))
    assert registry.get_sample_value("hub_key_age_seconds", {"domain": "polizei"}) == 60
    _key(tmp_path / "havag", "h1", 1_000.0)
    other = CollectorRegistry()
    export_key_age(other, ["havag"], {KEY_DIR_ENV: str(tmp_path)})
    age = other.get_sample_value("hub_key_age_seconds", {"domain": "havag"})
    assert age is not None
    assert age > 1_000_000
