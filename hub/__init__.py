"""hub: event-driven integration hub for HAVAG, Polizei and Ordnungsamt in Halle (Saale).

Importing this package has no side effects; the entry point is ``hub.cli:main``. The package is layered (base,
schemas, domain, store, core, shells, entry points; docs/architecture.md draws the map and
tests/unit/test_layers.py enforces it).
"""

__version__ = "0.1.0"
