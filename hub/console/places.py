"""Stops and lines for the console: stop names and positions from the shipped GTFS stops (with the tram network's
stop positions where a stop is missing there), the stops ahead of a vehicle on its line, and ``/api/network``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from hub.network.gtfs_static import default_gtfs
from hub.network.tram import TramNetwork, load_tram_network

__all__ = ["Places", "default_places"]


@dataclass(frozen=True)
class Places:
    """Stop names and positions by DHID, and the tram network."""

    stops: Mapping[str, tuple[str, float, float]]  # DHID -> (name, lat, lon)
    network: TramNetwork
    _document: list[bytes] = field(default_factory=list, compare=False, repr=False)  # built on first use

    def stop(self, dhid: str | None) -> tuple[str, float, float] | None:
        """The stop of a DHID; a platform's DHID (``de:15002:5232:1:2``) falls back to its station's."""
        if dhid is None:
            return None
        parts = dhid.split(":")
        while len(parts) >= 3:
            found = self.stops.get(":".join(parts))
            if found is not None:
                return found
            parts.pop()
        return None

    def stop_name(self, dhid: str | None) -> str | None:
        found = self.stop(dhid)
        return None if found is None else found[0]

    def stops_ahead(self, line: str | None, here: str | None, towards: str | None) -> list[str]:
        """The stops a vehicle of ``line`` at ``here`` reaches up to ``towards`` (the intercept stop), in running
        order and ``towards`` included. Empty when the line or its direction cannot be told from the two stops."""
        if line is None or here is None or towards is None:
            return []
        try:
            directions = self.network.line(line).directions
        except LookupError:
            return []
        for direction in directions:
            ids = [stop.stop_id for stop in direction.stops]
            if here in ids and towards in ids and ids.index(here) < ids.index(towards):
                return ids[ids.index(here) + 1 : ids.index(towards) + 1]
        return []

    def network_document(self) -> bytes:
        """``GET /api/network``: each line's name, colour and stops in running order (direction 0)."""
        if not self._document:
            lines = []
            for line in self.network.lines.values():
                stops = [
                    {"dhid": s.stop_id, "name": self.stop_name(s.stop_id) or s.name, "lat": s.lat, "lon": s.lon}
                    for s in line.directions[0].stops
                ]
                lines.append({"name": line.name, "color": line.color, "stops": stops})
            document = json.dumps({"lines": lines}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self._document.append(document)
        return self._document[0]


@cache
def default_places() -> Places:
    """The shipped GTFS stops and tram network (read once)."""
    network = load_tram_network()
    stops: dict[str, tuple[str, float, float]] = {s.stop_id: (s.name, s.lat, s.lon) for s in network.stops().values()}
    stops.update({s.stop_id: (s.name, s.lat, s.lon) for s in default_gtfs().stops.values()})
    return Places(stops, network)
