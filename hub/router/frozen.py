"""An immutable mapping whose next version costs O(1), and that can name what changed between two of its versions.

The router's live state is immutable (every ``apply_*`` returns a new state), and the shell writes to the tables
what changed since the last save. With a plain copy per change both grow with the fleet: each position copied the
whole vehicles map and each save compared every vehicle. ``FrozenMap`` shares one dict between its versions: the
newest version owns it, and every change appends the key's value before it to an undo log. So

- ``set``/``without`` on the newest version cost O(1) per key;
- ``changes_since(older)`` lists the keys changed between two versions of one lineage with their older values, in
  O(changes), which is what ``hub.router.persist`` writes;
- an older version still reads correctly: on first read it rebuilds its own dict from the undo log (O(size +
  changes since), kept for later reads). The router reads older versions rarely (tests, a branch taken from an old
  state); a change made from an older version starts a new lineage with its own copy.

The undo log is dropped when it grows past a few times the map's size (a new lineage, one copy amortised over many
changes); ``changes_since`` then answers None, and the caller compares the maps in full once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Final, Generic, TypeVar

__all__ = ["ABSENT", "FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")


class _Absent:
    """The value of a key that was not in the map (in an undo log and in ``changes_since``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()

#: A lineage starts afresh when its undo log is longer than this many times the map's size (plus the slack).
_LOG_FACTOR = 4
_LOG_SLACK = 1024


class _Lineage(Generic[K, V]):
    """The dict of the newest version and the undo log: ``undo[i]`` is (key, its value before change ``i + 1``)."""

    __slots__ = ("data", "undo")

    def __init__(self, data: dict[K, V]) -> None:
        self.data = data
        self.undo: list[tuple[K, V | _Absent]] = []


class FrozenMap(Mapping[K, V]):
    """An immutable mapping; ``set`` and ``without`` return new versions (see the module docstring)."""

    __slots__ = ("_lineage", "_own", "_version")

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._lineage: _Lineage[K, V] = _Lineage(dict(items or {}))
        self._version = 0
        self._own: dict[K, V] | None = None

    @classmethod
    def _at(cls, lineage: _Lineage[K, V], version: int) -> FrozenMap[K, V]:
        new = cls.__new__(cls)
        new._lineage, new._version, new._own = lineage, version, None
        return new

    def _is_newest(self) -> bool:
        return self._version == len(self._lineage.undo)

    def _data(self) -> dict[K, V]:
        if self._is_newest():
            return self._lineage.data
        if self._own is None:
            own = dict(self._lineage.data)
            for key, before in reversed(self._lineage.undo[self._version :]):
                if isinstance(before, _Absent):
                    own.pop(key, None)
                else:
                    own[key] = before
            self._own = own
        return self._own

    # --- Mapping ------------------------------------------------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        return self._data()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __contains__(self, key: object) -> bool:
        return key in self._data()

    def __repr__(self) -> str:
        return f"FrozenMap({self._data()!r})"

    # --- new versions -------------------------------------------------------------------------------------------

    def _writable(self) -> FrozenMap[K, V]:
        """This version if it is the newest of a lineage whose log has room, else a copy on a lineage of its own."""
        lineage = self._lineage
        if self._is_newest() and len(lineage.undo) <= _LOG_FACTOR * len(lineage.data) + _LOG_SLACK:
            return self
        return FrozenMap(self._data())

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """The map with ``key`` set to ``value``."""
        base = self._writable()
        lineage = base._lineage
        lineage.undo.append((key, lineage.data.get(key, ABSENT)))
        lineage.data[key] = value
        return FrozenMap._at(lineage, base._version + 1)

    def without(self, keys: Iterable[K]) -> FrozenMap[K, V]:
        """The map without ``keys`` (keys it does not hold are ignored)."""
        gone = [key for key in keys if key in self]
        if not gone:
            return self
        base = self._writable()
        lineage = base._lineage
        for key in gone:
            lineage.undo.append((key, lineage.data.pop(key)))
        return FrozenMap._at(lineage, base._version + len(gone))

    def changes_since(self, older: Mapping[K, V]) -> dict[K, V | _Absent] | None:
        """The keys changed from ``older`` to this map, each with its value in ``older`` (``ABSENT``: not in it), in
        the order they were first changed; None when ``older`` is not an earlier version of this map's lineage (the
        caller then compares the two in full). A key set to a value and back is listed too."""
        if not isinstance(older, FrozenMap) or older._lineage is not self._lineage or older._version > self._version:
            return None
        changed: dict[K, V | _Absent] = {}
        for key, before in self._lineage.undo[older._version : self._version]:
            changed.setdefault(key, before)
        return changed
