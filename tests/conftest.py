"""The root of the test suite: the fixture modules of tests/helpers, loaded through ``pytest_plugins``, the
Hypothesis profiles (``dev`` by default, ``ci`` with HYPOTHESIS_PROFILE=ci), and the ``property`` mark on every
Hypothesis test (``make test-fuzz`` runs those with the ``ci`` profile's thousand examples each)."""

from __future__ import annotations

import os

import pytest
from hypothesis import is_hypothesis_test
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["tests.helpers.environment", "tests.helpers.stack", "tests.helpers.browser"]

# Tests that set max_examples themselves keep their count; the profile decides it for the others, and the deadline
# for every test that does not set its own. Loaded here, before any test module is imported: a test's @settings
# takes what it leaves out from the profile loaded when it is decorated.
hypothesis_settings.register_profile("dev", max_examples=50)
hypothesis_settings.register_profile("ci", max_examples=1000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every Hypothesis test ``property`` (``-m property`` selects them)."""
    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.property)
