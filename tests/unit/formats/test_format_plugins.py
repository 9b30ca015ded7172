"""Formats from packages (entry point group ``hub.formats``): loaded beside the built-in ones with their raw topic,
kinds and origin; a wrong declaration, a clash or an import failure stops start-up naming the format; the normaliser
maps their topics and refuses an event of a kind the format did not declare."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from hub.errors import ConfigError, InvalidEventError
from hub.formats.registry import FORMATS, declared_topics, load_formats, package_topics
from hub.streams.normalise import Normaliser
from hub.topology import TOPICS

PACKAGE = Path(__file__).resolve().parents[2] / "fixtures" / "hub-format-example"
GOOD = EntryPoint("hotline-csv", "hub_format_example:HotlineCsvFormat", "hub.formats")
REPORT = (
    b"id;updated;reported;lat;lon;type;priority;status\n"
    b"H-1;2026-11-20T21:10:00+01:00;2026-11-20T21:05:00+01:00;51.4825;11.9700;PUBLIC_ORDER/NUISANCE;4;open\n"
)


@pytest.fixture(autouse=True)
def example_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example package's module importable, as pip would make it."""
    monkeypatch.syspath_prepend(str(PACKAGE))


class Declared:
    """A format declaration to break one attribute at a time."""

    name = "acme-feed"
    raw_topic = "raw.acme.feed"
    kinds = ("incident",)

    def split(self, document: bytes, content_type: str | None = None) -> list[object]:
        return []

    def to_canonical(self, record: bytes) -> list[object]:
        return []


def _entry(name: str, attribute: str) -> EntryPoint:
    return EntryPoint(name, f"{__name__}:{attribute}", "hub.formats")


def test_a_package_format_is_loaded_with_its_topic_kinds_and_origin() -> None:
    """The package's format comes next to the built-in ones; its raw topic is declared for `hub topics apply`."""
    formats = load_formats([GOOD])
    assert set(formats) == {*FORMATS, "hotline-csv"}
    hotline = formats["hotline-csv"]
    assert hotline.kinds == ("incident",)
    assert hotline.origin == "entry point hub_format_example:HotlineCsvFormat"
    assert (hotline.topic.name, hotline.topic.role, hotline.topic.partitions) == ("raw.hotline.csv-reports", "raw", 1)
    assert hotline.settings is not None
    assert package_topics(formats) == (hotline.topic,)
    assert declared_topics(formats) == (*TOPICS, hotline.topic)
    assert formats["cap"].origin == "built-in"
    assert package_topics(load_formats([])) == ()


def test_the_normaliser_maps_a_package_topic_with_and_without_settings() -> None:
    """Records of the package's raw topic are mapped by its format; a settings header configures it."""
    normaliser = Normaliser(load_formats([GOOD]))
    assert "raw.hotline.csv-reports" in normaliser.topics
    [record] = load_formats([GOOD])["hotline-csv"].format.split(REPORT)
    [plain] = normaliser.map("raw.hotline.csv-reports", record.value)
    [tuned] = normaliser.map("raw.hotline.csv-reports", record.value, b'{"uncertainty_m":10}')
    assert plain.topic == "canon.incident"
    assert (plain.event.data["location"]["uncertainty_m"], tuned.event.data["location"]["uncertainty_m"]) == (50, 10)
    with pytest.raises(InvalidEventError) as bad:
        normaliser.map("raw.hotline.csv-reports", record.value, b'{"uncertainty_m":-1}')
    assert bad.value.code == "undecodable"
    assert "header hub_format_settings (format_settings of format hotline-csv): uncertainty_m:" in bad.value.reason


class OnlyPositions(Declared):
    """Declares vehicle positions, makes incidents."""

    name = "acme-positions"
    raw_topic = "raw.acme.positions"
    kinds = ("vehicle-position",)

    def to_canonical(self, record: bytes) -> list[object]:
        from hub_format_example import HotlineCsvFormat

        return list(HotlineCsvFormat().to_canonical(record))


def test_an_event_of_an_undeclared_kind_is_refused() -> None:
    """A format that makes a kind it did not declare has that record dead-lettered, naming both."""
    normaliser = Normaliser(load_formats([_entry("acme-positions", "OnlyPositions")]))
    [record] = load_formats([GOOD])["hotline-csv"].format.split(REPORT)
    with pytest.raises(InvalidEventError) as refused:
        normaliser.map("raw.acme.positions", record.value)
    assert refused.value.code == "processing_error"
    assert "made a 'incident' event, which it does not declare (declared: vehicle-position)" in refused.value.reason


def test_a_format_without_settings_refuses_a_settings_header() -> None:
    normaliser = Normaliser(load_formats([]))
    with pytest.raises(InvalidEventError, match="format replay-ndjson takes no format_settings"):
        normaliser.map("raw.replay.ndjson", b"{}", b"{}")


class BadTopic(Declared):
    raw_topic = "canon.incident"


class NoKinds(Declared):
    kinds = ("weather",)


class TakenTopic(Declared):
    raw_topic = "raw.polizei.cap"


class TakenName(Declared):
    name = "cap"


class WrongSettings(Declared):
    settings_model = dict


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (_entry("acme-feed", "BadTopic"), "raw_topic 'canon.incident' is not 'raw.<agency>.<feed>'"),
        (_entry("acme-feed", "NoKinds"), "kinds ('weather',) must be a non-empty list of canonical kinds"),
        (_entry("acme-feed", "TakenTopic"), "raw topic raw.polizei.cap is also declared by built-in"),
        (_entry("cap", "TakenName"), "format 'cap' from entry point"),
        (_entry("acme-other", "Declared"), "format 'acme-other' from entry point"),
        (_entry("acme-feed", "WrongSettings"), "settings_model must be a pydantic model"),
        (EntryPoint("acme-feed", "acme_missing:Feed", "hub.formats"), "failed to import (acme_missing:Feed)"),
    ],
)
def test_a_wrong_declaration_stops_start_up_naming_the_format(entry: EntryPoint, words: str) -> None:
    with pytest.raises(ConfigError) as stopped:
        load_formats([entry])
    assert words in str(stopped.value)


def test_two_packages_declaring_one_topic_clash() -> None:
    with pytest.raises(ConfigError) as stopped:
        load_formats([_entry("acme-feed", "Declared"), EntryPoint("acme-feed-2", f"{__name__}:Second", "x")])
    assert "raw topic raw.acme.feed is also declared by entry point" in str(stopped.value)


class Second(Declared):
    name = "acme-feed-2"
