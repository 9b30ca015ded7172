"""Installing the example packages of tests/fixtures as a user would: by pip, offline, into a folder of their own
that a child process gets on its ``PYTHONPATH``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def install_fixture(package: str, target: Path) -> Path:
    """pip-install ``tests/fixtures/<package>`` into ``target`` (no index, no build tools); ``target``."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--quiet",
            "--target",
            str(target),
            str(FIXTURES / package),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def python_path(site: Path) -> str:
    """``site`` in front of the test process's own ``PYTHONPATH`` (which holds the hub under test)."""
    return os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
