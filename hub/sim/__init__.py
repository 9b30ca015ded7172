"""Simulation of Halle for evaluation and demos: ``hub.sim.world`` is the seeded, pure world model of trams and units;
``scenario`` scripts a stretch of time, ``feeds`` renders it in the agencies' formats, ``serve`` (``hub sim``)
serves and pushes it to the real connectors.

The same seed always gives the same world and scenario; only ``serve`` reads the clock (it plays the scenario in
real time, or faster).
"""
