"""Which keys `hub demo` runs on: the public demo keys only on its own embedded stack; against external servers
configured keys and a topic prefix of its own, or it refuses to start."""

from __future__ import annotations

import pytest

from hub.config import Settings
from hub.demo import demo_keys_needed
from hub.errors import ConfigError

KEYS = {"HUB_PSEUDONYM_KEY_DIR": "/etc/hub/keys"}


def test_embedded_stack_without_keys_uses_demo_keys() -> None:
    """Nothing external, nothing configured: demo keys (and the demo says so out loud)."""
    assert demo_keys_needed(Settings(), {}) is True
    assert demo_keys_needed(Settings(), KEYS) is False


@pytest.mark.parametrize(
    "endpoints",
    [
        {"kafka_bootstrap": "kafka:9092", "topic_prefix": "demo."},
        {"database_url": "postgresql://db/hub"},
        {"kafka_bootstrap": "kafka:9092", "database_url": "postgresql://db/hub", "topic_prefix": "demo."},
    ],
)
def test_external_servers_without_keys_refused(endpoints: dict[str, str]) -> None:
    """An external broker or database and no configured keys: refused, naming what is set and what to do."""
    with pytest.raises(ConfigError, match="does not run on the public demo keys: configure keys"):
        demo_keys_needed(Settings(**endpoints), {})  # type: ignore[arg-type]
    assert demo_keys_needed(Settings(**endpoints), KEYS) is False  # type: ignore[arg-type]


def test_external_broker_without_prefix_refused_even_with_keys() -> None:
    """With no topic prefix the demo's consumer groups would be production's (hub-pseudonymise): refused."""
    with pytest.raises(ConfigError, match="HUB_TOPIC_PREFIX"):
        demo_keys_needed(Settings(kafka_bootstrap="kafka:9092"), KEYS)


def test_demo_switch_against_external_servers_refused() -> None:
    """HUB_PSEUDONYM_KEYS=demo does not get round it."""
    settings = Settings(kafka_bootstrap="kafka:9092", topic_prefix="demo.", pseudonym_keys="demo")
    with pytest.raises(ConfigError, match="public demo keys"):
        demo_keys_needed(settings, KEYS)
