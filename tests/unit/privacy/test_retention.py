"""Retention classes: which class an event is in, how long each is kept, and that the register outlives the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.config import Settings, load_settings
from hub.errors import ConfigError
from hub.privacy.retention import CLASSES, KIND_RETENTION, RetentionPeriods, retention_class_of
from hub.schemas import example_payload
from hub.topology import CANONICAL_KINDS


def test_incident_carries_its_own_class() -> None:
    """An incident's retention class is the one in its payload, whatever it is."""
    for cls in CLASSES:
        assert retention_class_of("incident", {**example_payload("incident", 0), "retention_class": cls}) == cls


def test_every_other_kind_has_a_default_class() -> None:
    """Kinds without a class in the payload get the documented default; officers' positions the shortest."""
    for kind in CANONICAL_KINDS:
        if kind != "incident":
            assert retention_class_of(kind, example_payload(kind, 0)) == KIND_RETENTION[kind]
    assert KIND_RETENTION["unit-status"] == "short"
    assert retention_class_of("something-new", {}) == "standard"
    assert retention_class_of("incident", {"retention_class": "forever"}) == "standard"


def test_periods_from_settings_and_expiry() -> None:
    """The defaults are 30/180/730 days and 3 years for the register; an event expires its period after its time."""
    periods = RetentionPeriods.from_settings(Settings())
    assert (periods.short, periods.standard, periods.long) == (
        timedelta(days=30),
        timedelta(days=180),
        timedelta(days=730),
    )
    assert periods.register == timedelta(days=1095)
    time = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    data = {**example_payload("incident", 0), "retention_class": "long"}
    assert periods.expires_at("incident", data, time) == ("long", time + timedelta(days=730))
    assert periods.expires_at("unit-status", example_payload("unit-status", 0), time) == (
        "short",
        time + timedelta(days=30),
    )


def test_register_must_outlive_the_data() -> None:
    """A register kept shorter than the longest class is refused, in code and in the settings."""
    with pytest.raises(ValueError, match="at least as long"):
        RetentionPeriods(timedelta(days=1), timedelta(days=2), timedelta(days=10), timedelta(days=9))
    with pytest.raises(ConfigError, match=r"retention_register_days .* must be at least the longest"):
        load_settings(retention_long_days=4000)
