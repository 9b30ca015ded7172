"""GTFS-Realtime: HAVAG's VehiclePositions, TripUpdates and Alerts, one format each, sharing one decoder.

A feed (binary protobuf, protojson, NDJSON of protojson, or protobuf text format) is cut into one raw record per
entity, a binary FeedMessage with the original header and that entity; see docs/formats/gtfs-realtime.md.
"""

from hub.formats.gtfsrt.alerts import AlertsFormat
from hub.formats.gtfsrt.decode import decode_feed
from hub.formats.gtfsrt.feed import GtfsRtFormat
from hub.formats.gtfsrt.trips import TripUpdatesFormat
from hub.formats.gtfsrt.vehicles import VehiclePositionsFormat

__all__ = ["AlertsFormat", "GtfsRtFormat", "TripUpdatesFormat", "VehiclePositionsFormat", "decode_feed"]
