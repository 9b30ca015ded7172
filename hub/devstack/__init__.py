"""The embedded stack for laptops, CI and demos: Tansu and PostgreSQL as supervised child processes.

``EmbeddedStack`` starts, health-checks and stops them; ``run_foreground`` is ``hub dev up``. Children die
with the hub, even when it is SIGKILLed; PostgreSQL's data dir and both logs live in the state dir.
"""

from __future__ import annotations

from hub.devstack.foreground import run_foreground
from hub.devstack.stack import EmbeddedStack, Endpoints, stack_for

__all__ = ["EmbeddedStack", "Endpoints", "run_foreground", "stack_for"]
