"""Simulation of Halle for evaluation and demos: ``hub.sim.world`` is the seeded, pure world model of trams and units.

The same seed always gives the same world; nothing here reads the clock or global randomness.
"""
