"""Which database errors are worth waiting out: ``error_kind`` sorts what a write raised into transient (the
database is away, busy or restarting: retry the same write later) and permanent (the rows themselves are refused:
retrying would fail for ever, so the row is dead-lettered).

PostgreSQL's SQLSTATE class decides where there is one; psycopg's own client-side refusals (a NUL in a text
parameter, a string that cannot be encoded) are permanent, and a failed or lost connection without a SQLSTATE is
transient.
"""

from __future__ import annotations

from typing import Literal

import psycopg

__all__ = ["TRANSIENT_SQLSTATE_CLASSES", "ErrorKind", "error_kind", "error_summary"]

ErrorKind = Literal["transient", "permanent"]
"""A closed set, so it can be a metric label."""

TRANSIENT_SQLSTATE_CLASSES = frozenset(
    {
        "08",  # connection exception: the connection failed or was lost
        "40",  # transaction rollback: serialization failure, deadlock detected; the same write succeeds when retried
        "53",  # insufficient resources: disk full, out of memory, too many connections
        # operator intervention: admin or crash shutdown, cannot connect now, statement timeout (a lock held
        # elsewhere, an overloaded server; a write that always outlasts the timeout shows as a stage blocked)
        "57",
        "58",  # system error outside PostgreSQL: I/O error
    }
)
"""SQLSTATE classes (the first two characters) a retry can cure. Everything else a server answers (data exceptions
22, integrity violations 23, syntax and access rules 42, program limits 54, internal errors XX) is permanent."""

#: Lock waits that gave up (55P03 lock_not_available, 55006 object_in_use): another transaction held on, not the row.
_TRANSIENT_SQLSTATES = frozenset({"55P03", "55006"})


def error_kind(exc: BaseException) -> ErrorKind | None:
    """``"transient"`` or ``"permanent"`` for an error a database write raised; None when ``exc`` is no database
    error at all (a bug in the caller: it should be handled as one, not retried)."""
    if isinstance(exc, UnicodeEncodeError):
        return "permanent"  # psycopg encoding a parameter: a lone surrogate has no UTF-8 form
    if not isinstance(exc, psycopg.Error):
        return None
    sqlstate = exc.sqlstate
    if sqlstate is None:
        # Raised by psycopg itself: a connection that failed, was lost or timed out (psycopg_pool's PoolTimeout is
        # one) is transient; anything else (a NUL in a text parameter, a value it cannot adapt) is permanent.
        return "transient" if isinstance(exc, psycopg.OperationalError) else "permanent"
    if sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES:
        return "transient"
    return "permanent"


def error_summary(exc: BaseException) -> str:
    """A one-line description of a database error for logs and dead-letter reasons: the class and SQLSTATE of a
    server error, the message of psycopg's own (which names no value). A server's message is left out: its detail
    can quote the refused value (a vault original, a personal name)."""
    name = type(exc).__name__
    if isinstance(exc, UnicodeEncodeError):
        return f"{name}: {exc.reason}"
    if isinstance(exc, psycopg.Error):
        if exc.sqlstate is not None:
            return f"{name} (SQLSTATE {exc.sqlstate})"
        first = str(exc).strip().splitlines()
        return f"{name}: {first[0]}" if first else name
    return name
