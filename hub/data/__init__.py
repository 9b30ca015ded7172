"""Data shipped with the hub, read through ``importlib.resources`` on first use, never at import time.

``halle/gtfs/``: the HAVAG subset of the MDV GTFS feed (CC BY 4.0), loaded by ``hub.network.gtfs_static.default_gtfs``.
``roads/``: Halle's car graph derived from OpenStreetMap (ODbL), loaded by ``hub.network.roads.load_road_graph``.
Source, licence and attribution of each data set are in a PROVENANCE.md (``halle/PROVENANCE.md`` for ``halle/gtfs/``).
"""
