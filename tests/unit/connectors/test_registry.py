"""The connector type registry: built-in types, entry points, and start-up failures that name the culprit."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from hub.connectors.registry import BUILTIN, ENTRY_POINT_GROUP, load_types
from hub.errors import ConfigError


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_builtin_types_are_there_with_their_kind() -> None:
    """http-poll, folder and file poll; webhook is pushed to; all say they are built in."""
    types = load_types([])
    assert set(types) == set(BUILTIN) == {"http-poll", "webhook", "folder", "file"}
    assert {n: t.kind for n, t in types.items()} == {
        "http-poll": "polling",
        "webhook": "push",
        "folder": "polling",
        "file": "polling",
    }
    assert {t.origin for t in types.values()} == {"built-in"}


def test_an_entry_point_adds_a_type() -> None:
    """A class named by an entry point of group hub.connectors becomes a type of that name."""
    types = load_types([ep("list", "tests.unit.connectors.helpers:ListConnector")])
    assert types["list"].cls.__name__ == "ListConnector"
    assert types["list"].origin == "entry point tests.unit.connectors.helpers:ListConnector"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tests.unit.connectors.broken_plugin:Thing", "failed to import.*ModuleNotFoundError"),
        ("tests.unit.connectors.no_such_module:Thing", "failed to import"),
        ("tests.unit.connectors.helpers:Missing", "failed to import.*AttributeError"),
        ("tests.unit.connectors.helpers:NOT_A_CLASS", "is 42, not a subclass of PollingConnector or PushConnector"),
        ("tests.unit.connectors.helpers:TinyFormat", "not a subclass of PollingConnector"),
        ("tests.unit.connectors.helpers:Abstract", "does not implement poll"),
    ],
)
def test_a_broken_entry_point_stops_start_up_naming_it(value: str, message: str) -> None:
    """An entry point that fails to import or is not a connector is a ConfigError naming the type; none is skipped."""
    with pytest.raises(ConfigError, match=f"connector type 'acme-feed' .*{message}"):
        load_types([ep("ok", "tests.unit.connectors.helpers:ListConnector"), ep("acme-feed", value)])


def test_an_entry_point_may_not_replace_a_builtin_type() -> None:
    """A package cannot shadow http-poll: the clash is an error that names both origins."""
    with pytest.raises(ConfigError, match=r"'http-poll' from entry point .* clashes with the one from built-in"):
        load_types([ep("http-poll", "tests.unit.connectors.helpers:ListConnector")])
