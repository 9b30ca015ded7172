"""FrozenMap, the router's immutable map with O(1) versions: every version reads as the dict it stands for, and
``changes_since`` names exactly the keys changed between two versions of one lineage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.router import frozen
from hub.router.frozen import ABSENT, FrozenMap

Op = tuple[str, int, int, int]  # (set | without | branch, key, value, version to branch from)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "without", "branch"]),
        st.integers(0, 12),
        st.integers(0, 3),
        st.integers(0, 1000),
    ),
    max_size=60,
)


@given(OPS)
def test_every_version_reads_as_the_dict_it_stands_for(ops: list[Op]) -> None:
    """Versions made from the newest and from older ones alike; all are read again at the end."""
    versions: list[tuple[FrozenMap[int, int], dict[int, int]]] = [(FrozenMap(), {})]
    current = versions[0]
    for op, key, value, pick in ops:
        fmap, model = current
        if op == "set":
            current = (fmap.set(key, value), {**model, key: value})
        elif op == "without":
            current = (fmap.without([key]), {k: v for k, v in model.items() if k != key})
        else:
            current = versions[pick % len(versions)]
        versions.append(current)
    for fmap, model in versions:
        assert dict(fmap.items()) == model
        assert len(fmap) == len(model)
        assert fmap == model


@given(OPS)
def test_changes_since_names_the_changed_keys_with_their_older_values(ops: list[Op]) -> None:
    start: FrozenMap[int, int] = FrozenMap({k: -1 for k in range(0, 12, 2)})
    fmap = start
    for op, key, value, _ in ops:
        fmap = fmap.set(key, value) if op != "without" else fmap.without([key])
    changed = fmap.changes_since(start)
    assert changed is not None
    for key in set(start) | set(fmap):
        if start.get(key, ABSENT) != fmap.get(key, ABSENT):
            assert key in changed  # every real change is named ...
    for key, old in changed.items():
        assert old == start.get(key, ABSENT)  # ... with its value in the older version


def test_changes_since_another_lineage_or_a_later_version_is_unknown() -> None:
    one: FrozenMap[str, int] = FrozenMap({"a": 1})
    two = one.set("b", 2)
    assert two.changes_since(one) == {"b": ABSENT}
    assert one.changes_since(two) is None
    assert two.changes_since(FrozenMap({"a": 1})) is None
    assert two.changes_since({"a": 1}) is None
    branch = one.set("c", 3)  # from an older version: a lineage of its own
    assert branch.changes_since(one) is None
    assert dict(two) == {"a": 1, "b": 2}
    assert dict(branch) == {"a": 1, "c": 3}


def test_a_long_undo_log_starts_a_new_lineage_and_nothing_is_lost(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(frozen, "_LOG_SLACK", 10)
    first: FrozenMap[int, int] = FrozenMap({0: 0})
    fmap = first
    for i in range(100):
        fmap = fmap.set(i % 3, i)
    assert dict(fmap) == {0: 99, 1: 97, 2: 98}
    assert dict(first) == {0: 0}
    assert fmap.changes_since(first) is None  # the caller compares in full once
    assert fmap.set(5, 5).changes_since(fmap) == {5: ABSENT}
