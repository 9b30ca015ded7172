"""HUB_TOPIC_PREFIX is refused before any topic is named unless it is Kafka topic characters ending in a separator
(issue 14: 'bad prefix!' made the broker create topics with that name, 'prod' glued onto them)."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.errors import ConfigError


@pytest.mark.parametrize("prefix", ["", "prod.", "t0123abcd.", "team-a_", "hub-", "a.b-c_"])
def test_a_prefix_of_topic_characters_ending_in_a_separator_is_taken(prefix: str) -> None:
    assert load_settings(topic_prefix=prefix).topic_prefix == prefix


@pytest.mark.parametrize(
    ("prefix", "said"),
    [
        ("bad prefix!", "may hold only a-z A-Z 0-9 . _ -"),
        ("prod", "must end in '.', '_' or '-', e.g. 'prod.'"),
        ("umlaut-ä.", "may hold only"),
        ("a/b.", "may hold only"),
        ("x" * 101 + ".", "at most 100 characters"),
    ],
)
def test_any_other_prefix_is_a_clear_config_error(prefix: str, said: str) -> None:
    with pytest.raises(ConfigError, match="HUB_TOPIC_PREFIX") as raised:
        load_settings(topic_prefix=prefix)
    assert said in str(raised.value)


def test_the_broker_start_up_timeout_is_a_setting_of_15_s() -> None:
    assert load_settings().kafka_startup_timeout_s == 15.0
    assert load_settings(kafka_startup_timeout_s=3).kafka_startup_timeout_s == 3.0
