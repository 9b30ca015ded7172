"""The pure cores of the normalise and pseudonymise stages (no faust, no drivers); their workers are in
``hub.workers``."""
