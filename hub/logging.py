"""Logging set-up: structlog JSON lines (readable console output on a terminal), stdlib logs routed through it.

Call ``configure_logging`` once in the entry point. Log events bind context (stage, connector, event id, offset)
and never carry payloads; as a safety net every line, ours or a library's, passes the redactor
(``hub.privacy.redact``) before it is rendered.
"""

from __future__ import annotations

import logging
import logging.config
import sys
import time
from typing import Any

import structlog

from hub.config import Settings
from hub.privacy.redact import redact_event_dict, redact_foreign_event_dict


def _renderer(fmt: str) -> Any:
    if fmt == "console" or (fmt == "auto" and sys.stderr.isatty()):
        return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    return structlog.processors.JSONRenderer()


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class RepeatFilter(logging.Filter):
    """Lets each message of a logger through once per ``interval_s`` (by logger and formatted message).

    aiokafka logs "Topic ... not found in cluster metadata" at every metadata retry, ten times a second for as long
    as a topic a stage sends to is missing; the stage's own "stage blocked on the broker" says it once.
    """

    def __init__(self, interval_s: float = 60.0) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.getMessage())
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            return False
        if len(self._last) >= 1000:  # many different messages: forget them rather than grow
            self._last.clear()
        self._last[key] = now
        return True


def logging_dict_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that renders every stdlib record (faust, kafka, psycopg) like our own logs."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "hub": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.processors.format_exc_info,
                    # Library records (faust, kafka, psycopg) and their tracebacks; our own lines were redacted in
                    # structlog's chain (configure_logging), with their tracebacks. Before the meta keys go: they say
                    # which is which.
                    redact_foreign_event_dict,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _renderer(settings.log_format),
                ],
                "foreign_pre_chain": [*_SHARED, structlog.stdlib.ExtraAdder()],
            }
        },
        "filters": {"repeats": {"()": RepeatFilter, "interval_s": 60.0}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "hub", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": settings.log_level.upper()},
        "loggers": {
            # These libraries are chatty at info about every connection and rebalance step.
            "kafka": {"level": "WARNING"},
            "aiokafka": {"level": "WARNING"},
            # Metadata errors, repeated at every retry (RepeatFilter).
            "aiokafka.cluster": {"level": "WARNING", "filters": ["repeats"]},
            "faust": {"level": "WARNING"},
            "mode": {"level": "WARNING"},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the stdlib root logger once, for this process."""
    logging.config.dictConfig(logging_dict_config(settings))
    structlog.configure(
        processors=[
            # A line below the level is dropped before any work: the redactor runs the scrubber on every value, some
            # hundred microseconds a line, and the router's decision lines at info came to as much as its own work
            # per event in a worker at "warning".
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_event_dict,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
