"""The operator console (``hub console``, docs/console.md): pages, JSON API, Server-Sent Events, CAP and Atom, and
``POST /acks/<domain>`` for the control rooms of HAVAG, the police and the Ordnungsamt; each agency sees its own
alerts only. ``hub.console.server.run_console`` is the entry; the alert store is reached through ``AlertSource``.
"""
