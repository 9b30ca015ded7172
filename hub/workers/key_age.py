"""``hub_key_age_seconds{domain}``: how old each domain's active pseudonymisation key is, exported by the
pseudonymise worker so a rule can ask for a rotation (docs/privacy.md). The key files' times are read once, when
the worker loads its keys (a rotated key is used only after a restart, so the loaded key's age is the one that
counts); the age is computed at each scrape."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.privacy.keys import active_key_times

__all__ = ["KeyAgeCollector", "export_key_age"]


class KeyAgeCollector(Collector):
    """Seconds since each domain's active key was made (``made``: Unix times by domain)."""

    def __init__(self, made: Mapping[str, float], clock: Callable[[], float] = time.time) -> None:
        self.made = dict(made)
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "hub_key_age_seconds",
            "Age of each domain's active pseudonymisation key (its key file's modification time) as loaded by the "
            "pseudonymise worker; keys given in the environment carry no time and have no series",
            labels=["domain"],
        )
        now = self.clock()
        for domain, made in sorted(self.made.items()):
            family.add_metric([domain], max(now - made, 0.0))
        yield family


def export_key_age(registry: CollectorRegistry, domains: Iterable[str], environ: Mapping[str, str]) -> None:
    """Register the key age of ``domains`` (the key ring's names) on ``registry``."""
    registry.register(KeyAgeCollector(active_key_times(domains, environ)))
