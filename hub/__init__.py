"""hub: event-driven integration hub for HAVAG, Polizei and Ordnungsamt in Halle (Saale).

Importing this package has no side effects; the entry point is ``hub.cli:main``.
"""

__version__ = "0.1.0"
