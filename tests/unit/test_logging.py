"""The logging set-up: a library's message repeated at every retry is let through once per interval."""

from __future__ import annotations

import logging

from hub.config import Settings
from hub.logging import RepeatFilter, logging_dict_config


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.cluster", logging.ERROR, __file__, 1, message, args, None)


def test_a_repeated_message_passes_once_per_interval_and_others_pass() -> None:
    """The same message (after formatting) passes once within the interval, a different one passes too, and the
    first passes again once the interval is over."""
    repeats = RepeatFilter(interval_s=60.0)
    missing = "Topic %s not found in cluster metadata"
    assert repeats.filter(_record(missing, "canon.incident"))
    assert not repeats.filter(_record(missing, "canon.incident"))
    assert repeats.filter(_record(missing, "canon.unit-status"))
    repeats.interval_s = 0.0
    assert repeats.filter(_record(missing, "canon.incident"))


def test_aiokafkas_metadata_errors_go_through_the_filter() -> None:
    """The worker's logging configuration puts the filter on aiokafka's cluster-metadata logger."""
    config = logging_dict_config(Settings())
    assert config["loggers"]["aiokafka.cluster"]["filters"] == ["repeats"]
    assert config["filters"]["repeats"]["()"] is RepeatFilter
