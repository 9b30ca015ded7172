"""Command-line tools some tests run (the deployment's validators)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str, package: str) -> str:
    """The tool's path; skip with the reason when it is missing (fail under CI=1, as .ci/run sets: `make test` installs
    the tools there, as root)."""
    path = shutil.which(name)
    if path is None:
        why = f"{name} is not installed (Debian package {package!r}; `make test` installs it when run as root)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return path
