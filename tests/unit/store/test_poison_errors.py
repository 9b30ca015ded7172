"""Database errors sorted into transient (wait and retry) and permanent (refuse the row), and described without
quoting what the database refused."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import PoolTimeout

from hub.store.errors import error_kind, error_summary


@pytest.mark.parametrize(
    "exc",
    [
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE: raised by psycopg itself
        PoolTimeout("couldn't get a connection after 10.00 sec"),
        errors.AdminShutdown("terminating connection due to administrator command"),  # 57P01
        errors.CannotConnectNow("the database system is starting up"),  # 57P03
        errors.QueryCanceled("canceling statement due to statement timeout"),  # 57014
        errors.SerializationFailure("could not serialize access"),  # 40001
        errors.DeadlockDetected("deadlock detected"),  # 40P01
        errors.TooManyConnections("sorry, too many clients already"),  # 53300
        errors.DiskFull("could not extend file"),  # 53100
        errors.LockNotAvailable("could not obtain lock"),  # 55P03
        errors.ConnectionFailure("connection failure"),  # 08006
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_what_waiting_cures_is_transient(exc: BaseException) -> None:
    """Connection failures, shutdowns, timeouts, serialization failures, deadlocks and exhausted resources are
    retried."""
    assert error_kind(exc) == "transient"


@pytest.mark.parametrize(
    "exc",
    [
        psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),  # psycopg's own refusal
        UnicodeEncodeError("utf-8", "a\ud800", 1, 2, "surrogates not allowed"),  # psycopg encoding a parameter
        errors.UntranslatableCharacter("unsupported Unicode escape sequence"),  # 22P05: \u0000 in jsonb
        errors.InvalidTextRepresentation("invalid input syntax for type json"),  # 22P02
        errors.NotNullViolation("null value in column"),  # 23502
        errors.UniqueViolation("duplicate key value"),  # 23505
        errors.CheckViolation("violates check constraint"),  # 23514
        errors.UndefinedTable("relation does not exist"),  # 42P01
        errors.InsufficientPrivilege("permission denied"),  # 42501
        errors.ProgramLimitExceeded("index row size exceeds maximum"),  # 54000, an OperationalError by DB-API
        errors.InternalError_("internal error"),  # XX000
        psycopg.ProgrammingError("cannot adapt type 'object'"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_what_the_row_causes_is_permanent(exc: BaseException) -> None:
    """Data exceptions, constraint violations, programming errors and program limits are never retried, also the
    ones psycopg raises before anything is sent (a NUL, a lone surrogate)."""
    assert error_kind(exc) == "permanent"


def test_anything_else_is_no_database_error() -> None:
    """An error that is no database error (a bug in the caller) is neither: the caller handles it as a bug."""
    assert error_kind(KeyError("caller.name")) is None
    assert error_kind(TypeError("bad row")) is None


def test_the_summary_names_class_and_sqlstate_but_no_value() -> None:
    """A server error is described by class and SQLSTATE, without its message (its detail can quote the value);
    psycopg's own errors keep their first line, which names no value."""
    refused = errors.UniqueViolation("duplicate key value violates unique constraint\nDETAIL: Key (original)=(Erika)")
    assert error_summary(refused) == "UniqueViolation (SQLSTATE 23505)"
    assert "Erika" not in error_summary(refused)
    nul = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    assert error_summary(nul) == "DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes"
    surrogate = UnicodeEncodeError("utf-8", "Erika\ud800", 5, 6, "surrogates not allowed")
    assert error_summary(surrogate) == "UnicodeEncodeError: surrogates not allowed"
    assert error_summary(ValueError("Erika")) == "ValueError"
