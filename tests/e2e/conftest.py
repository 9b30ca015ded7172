"""The end-to-end feature tests (``make test-e2e``): a feature carried through the real broker and PostgreSQL from its
input to its output (a format package's records to the database, a calendar to a planned event, the simulator
through the pipeline to the router and to the hotspot report). They share the integration suite's stack, worker
factory and failure report; they live apart because ``make test``'s ten minutes cannot hold them beside the
integration suite."""

from __future__ import annotations

from tests.integration.conftest import pytest_runtest_makereport, start_workers

__all__ = ["pytest_runtest_makereport", "start_workers"]
