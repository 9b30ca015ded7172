"""Asking a running process's probes (hub.health): ``/readyz`` and ``/metrics`` beside each other on its metrics
port."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from hub.processes import StageProcess


def readyz(proc: StageProcess) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of the worker's ``/readyz`` (503 included)."""
    url = proc.metrics_url.removesuffix("/metrics") + "/readyz"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def metrics_text(proc: StageProcess) -> str:
    """The worker's ``/metrics`` body."""
    with urllib.request.urlopen(proc.metrics_url, timeout=2) as answer:
        return str(answer.read().decode())
