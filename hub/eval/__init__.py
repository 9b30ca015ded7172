"""Evaluations of the hub's decisions in a simulated world; ``hub.eval.intercept`` measures the intercept router.

Nothing here runs at import time; the CLI calls each evaluation's ``main``.
"""
