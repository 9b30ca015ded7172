"""Running the `hub` command as a user runs it, in a child process of the test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def hub(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`hub ARGS` with JSON logs and ``env`` added to the environment (which has no other HUB_* variable:
    tests/helpers/environment.py); its exit code and output captured."""
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**os.environ, "HUB_LOG_FORMAT": "json", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
