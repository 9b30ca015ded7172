"""The transit network model: stops, lines and travel times, built from GTFS and OpenStreetMap data.

Pure data loading; nothing is read at import time.
"""
