"""The recovery tests (``make test-faults``, after the fault suite): single workers, connectors and the broker killed
or restarted on the session's stack, and what they pick up afterwards. They share the integration suite's worker
factory and failure report; they live apart because each waits out session timeouts and restarts (minutes in all),
which ``make test``'s ten minutes cannot hold."""

from __future__ import annotations

from tests.integration.conftest import pytest_runtest_makereport, start_workers

__all__ = ["pytest_runtest_makereport", "start_workers"]
