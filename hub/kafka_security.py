"""How every Kafka client of the hub connects: TLS and SASL from the ``HUB_KAFKA_*`` settings, as options for each
client library (kafka-python, aiokafka, faust).

Production joins an Apache Kafka cluster shared with other users, and police data must travel encrypted from a
client the cluster knows (its ACLs rest on that identity). ``security_of(settings)`` checks the settings once (one
``ConfigError`` line naming the setting), reads the SASL password from its secret file (refused when others may read
it; never a setting, never logged) and builds one ``ssl.SSLContext``; ``kafka_python_options``, ``aiokafka_options``
and ``faust_credentials`` give each library its names for the same thing.

The entry point installs its settings' security for the whole process (``install``, in ``hub.cli.main``); the Kafka
helpers (``hub.kafka_admin``, ``hub.kafka_produce``, ``hub.kafka_read``) use the installed one unless given another,
so clients made deep inside (a producer's topic check, a worker's start check) connect the same way as the rest.
Nothing installed means PLAINTEXT, the embedded broker's only listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hub.errors import BrokerError, ConfigError

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

    from hub.config import Settings

__all__ = [
    "PLAINTEXT",
    "KafkaSecurity",
    "aiokafka_options",
    "auth_failure_text",
    "faust_credentials",
    "install",
    "installed",
    "kafka_python_options",
    "security_of",
    "verify_connection",
]

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True)
class KafkaSecurity:
    """How to connect: the protocol, the TLS context (SSL, SASL_SSL) and the SASL identity (SASL_*)."""

    protocol: Protocol = "PLAINTEXT"
    ssl_context: ssl.SSLContext | None = None
    sasl_mechanism: Mechanism | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)

    @property
    def sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def describe(self) -> str:
        """The protocol and identity, for logs and errors (never the password): ``SASL_SSL, SCRAM-SHA-256 as hub``."""
        if self.sasl:
            return f"{self.protocol}, {self.sasl_mechanism} as {self.sasl_username}"
        return self.protocol

    def kafka_python(self) -> dict[str, Any]:
        """kafka-python's options (KafkaProducer, KafkaConsumer, KafkaAdminClient)."""
        return self._common()

    def aiokafka(self) -> dict[str, Any]:
        """aiokafka's options (AIOKafkaProducer, AIOKafkaConsumer, AIOKafkaAdminClient): the same names."""
        return self._common()

    def _common(self) -> dict[str, Any]:
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.ssl_context is not None:
            options["ssl_context"] = self.ssl_context
        if self.sasl:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        return options

    def faust(self) -> CredentialsT | None:
        """faust's ``broker_credentials``: SASLCredentials (with the TLS context under SASL_SSL), SSLCredentials, or
        None for PLAINTEXT."""
        from faust.auth import SASLCredentials, SSLCredentials

        if self.sasl:
            # SASLCredentials says SASL_SSL when given a context and SASL_PLAINTEXT without one.
            return SASLCredentials(
                username=self.sasl_username,
                password=self.sasl_password,
                ssl_context=self.ssl_context,
                mechanism=self.sasl_mechanism,
            )
        if self.ssl_context is not None:
            return SSLCredentials(self.ssl_context)
        return None


PLAINTEXT = KafkaSecurity()
"""No TLS, no SASL: the embedded broker, a laptop's Kafka."""

_installed: KafkaSecurity = PLAINTEXT
_built: dict[tuple[Any, ...], KafkaSecurity] = {}
_verified: set[tuple[str, KafkaSecurity]] = set()


def install(settings: Settings) -> KafkaSecurity:
    """Check ``settings``' Kafka security and make it this process's (the helpers' default); ``ConfigError`` when
    the settings do not fit together or a file is missing or readable by others."""
    global _installed
    _installed = security_of(settings)
    return _installed


def installed() -> KafkaSecurity:
    """The process's security (``install``); PLAINTEXT when none was installed."""
    return _installed


def kafka_python_options(settings: Settings) -> dict[str, Any]:
    """kafka-python's connection options for ``settings`` (``security_protocol``, ``ssl_context``, ``sasl_*``)."""
    return security_of(settings).kafka_python()


def aiokafka_options(settings: Settings) -> dict[str, Any]:
    """aiokafka's connection options for ``settings``: pass them to any AIOKafkaProducer/Consumer/AdminClient."""
    return security_of(settings).aiokafka()


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """faust's ``broker_credentials`` for ``settings`` (None for PLAINTEXT)."""
    return security_of(settings).faust()


def security_of(settings: Settings) -> KafkaSecurity:
    """The checked security of ``settings``; built once per distinct set of security settings (one SSLContext)."""
    key = _key(settings)
    if key not in _built:
        _built[key] = _build(settings)
    return _built[key]


def _key(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.kafka_security_protocol,
        settings.kafka_ssl_cafile,
        settings.kafka_ssl_certfile,
        settings.kafka_ssl_keyfile,
        settings.kafka_ssl_key_password_file,
        settings.kafka_ssl_check_hostname,
        settings.kafka_sasl_mechanism,
        settings.kafka_sasl_username,
        settings.kafka_sasl_password_file,
        settings.kafka_bootstrap is None,
    )


def _build(settings: Settings) -> KafkaSecurity:
    protocol: Protocol = settings.kafka_security_protocol
    tls = protocol in ("SSL", "SASL_SSL")
    sasl = protocol in ("SASL_PLAINTEXT", "SASL_SSL")
    if protocol != "PLAINTEXT" and settings.kafka_bootstrap is None:
        raise ConfigError(
            f"HUB_KAFKA_SECURITY_PROTOCOL={protocol} needs HUB_KAFKA_BOOTSTRAP: the embedded broker listens in "
            "PLAINTEXT only"
        )
    tls_files = {
        "HUB_KAFKA_SSL_CAFILE": settings.kafka_ssl_cafile,
        "HUB_KAFKA_SSL_CERTFILE": settings.kafka_ssl_certfile,
        "HUB_KAFKA_SSL_KEYFILE": settings.kafka_ssl_keyfile,
        "HUB_KAFKA_SSL_KEY_PASSWORD_FILE": settings.kafka_ssl_key_password_file,
    }
    if not tls:
        given = [name for name, value in tls_files.items() if value is not None]
        if given:
            raise ConfigError(
                f"{given[0]} is set but HUB_KAFKA_SECURITY_PROTOCOL={protocol} does not encrypt; use "
                f"{'SASL_SSL' if sasl else 'SSL'} or unset {given[0]}"
            )
    sasl_given = {
        "HUB_KAFKA_SASL_MECHANISM": settings.kafka_sasl_mechanism,
        "HUB_KAFKA_SASL_USERNAME": settings.kafka_sasl_username,
        "HUB_KAFKA_SASL_PASSWORD_FILE": settings.kafka_sasl_password_file,
    }
    if sasl:
        for name, value in sasl_given.items():
            if value is None:
                raise ConfigError(f"HUB_KAFKA_SECURITY_PROTOCOL={protocol} needs {name}")
    else:
        given = [name for name, value in sasl_given.items() if value is not None]
        if given:
            raise ConfigError(
                f"{given[0]} is set but HUB_KAFKA_SECURITY_PROTOCOL={protocol} does not authenticate with SASL; "
                f"use {'SASL_SSL' if tls else 'SASL_SSL or SASL_PLAINTEXT'} or unset {given[0]}"
            )
    context = _ssl_context(settings) if tls else None
    password = None
    if sasl:
        assert settings.kafka_sasl_password_file is not None  # checked above
        password = _read_secret(settings.kafka_sasl_password_file, "HUB_KAFKA_SASL_PASSWORD_FILE")
    return KafkaSecurity(
        protocol=protocol,
        ssl_context=context,
        sasl_mechanism=settings.kafka_sasl_mechanism if sasl else None,
        sasl_username=settings.kafka_sasl_username if sasl else None,
        sasl_password=password,
    )


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    """The TLS context: the cluster's CA (or the system's CAs), hostname checked unless switched off, and the
    client's own certificate for mutual TLS."""
    cafile = settings.kafka_ssl_cafile
    if cafile is not None:
        _require_file(cafile, "HUB_KAFKA_SSL_CAFILE")
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile is not None else None)
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"HUB_KAFKA_SSL_CAFILE={cafile} holds no usable CA certificate ({exc})") from exc
    context.check_hostname = settings.kafka_ssl_check_hostname
    certfile, keyfile = settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile
    if (certfile is None) != (keyfile is None):
        missing = "HUB_KAFKA_SSL_KEYFILE" if keyfile is None else "HUB_KAFKA_SSL_CERTFILE"
        raise ConfigError(f"mutual TLS needs both HUB_KAFKA_SSL_CERTFILE and HUB_KAFKA_SSL_KEYFILE; {missing} is unset")
    if settings.kafka_ssl_key_password_file is not None and keyfile is None:
        raise ConfigError("HUB_KAFKA_SSL_KEY_PASSWORD_FILE is set without HUB_KAFKA_SSL_KEYFILE")
    if certfile is not None and keyfile is not None:
        _require_file(certfile, "HUB_KAFKA_SSL_CERTFILE")
        _require_file(keyfile, "HUB_KAFKA_SSL_KEYFILE")
        _refuse_readable_by_others(keyfile, "HUB_KAFKA_SSL_KEYFILE")
        key_password = None
        if settings.kafka_ssl_key_password_file is not None:
            key_password = _read_secret(settings.kafka_ssl_key_password_file, "HUB_KAFKA_SSL_KEY_PASSWORD_FILE")
        try:
            context.load_cert_chain(str(certfile), str(keyfile), password=key_password)
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(
                f"HUB_KAFKA_SSL_CERTFILE={certfile} and HUB_KAFKA_SSL_KEYFILE={keyfile} are no certificate and "
                f"matching key (or the key's password is wrong): {exc}"
            ) from exc
    return context


def _require_file(path: Path, setting: str) -> None:
    if not path.is_file():
        raise ConfigError(f"{setting}={path}: no such file")


def _refuse_readable_by_others(path: Path, setting: str) -> None:
    """A secret any other account may read (or write) is refused, as the pseudonymisation keys are."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{setting}={path} has mode {mode:03o}: group and others may use it; run `chmod 600 {path}`")


def _read_secret(path: Path, setting: str) -> str:
    """The secret in ``path`` (one line; a trailing newline is not part of it)."""
    _require_file(path, setting)
    _refuse_readable_by_others(path, setting)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{setting}={path} cannot be read as UTF-8 text ({type(exc).__name__})") from exc
    secret = text.rstrip("\r\n")
    if not secret or "\n" in secret:
        raise ConfigError(f"{setting}={path} must hold the secret on one line")
    return secret


def verify_connection(bootstrap: str, security: KafkaSecurity, timeout_s: float = 10.0) -> None:
    """Log in once to a server of ``bootstrap`` with ``security``; ``BrokerError`` in one line naming the broker when
    the login or the TLS handshake is refused. Done once per process and cluster (PLAINTEXT: never).

    The client libraries only log a refused login and then retry until their bootstrap timeout, and end with "Unable
    to bootstrap": a wrong password looked like an unreachable broker. A server that cannot be reached at all is
    left to the client that follows (it reports that as before).
    """
    if security.protocol == "PLAINTEXT" or (bootstrap, security) in _verified:
        return
    outcome: list[str | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(asyncio.run(_login_problem(bootstrap, security, timeout_s))),
        name="hub-kafka-login-check",
        daemon=True,
    )
    thread.start()
    thread.join(timeout_s * len(bootstrap.split(",")) + 5)
    problem = outcome[0] if outcome else None
    if problem is not None:
        raise BrokerError(problem)
    if outcome:
        _verified.add((bootstrap, security))


async def _login_problem(bootstrap: str, security: KafkaSecurity, timeout_s: float) -> str | None:
    """Why the first answering server of ``bootstrap`` refused the connection, or None (logged in, or none answered)."""
    from aiokafka.conn import create_conn

    for server in (s.strip() for s in bootstrap.split(",") if s.strip()):
        host, _, port = server.rpartition(":")
        try:
            conn = await asyncio.wait_for(
                create_conn(
                    host.strip("[]"),
                    int(port),
                    client_id="hub-login-check",
                    request_timeout_ms=int(timeout_s * 1000),
                    **security.aiokafka(),
                ),
                timeout_s,
            )
        except ssl.SSLError as exc:
            return f"Kafka at {server}: TLS handshake failed ({security.describe()}): {exc.reason or exc}"
        except Exception as exc:  # sorted below; anything else is for the real client to report
            problem = auth_failure_text(server, security, exc)
            if problem is not None:
                return problem
            if type(exc).__name__ == "UnsupportedSaslMechanismError":
                return f"Kafka at {server}: the broker does not offer SASL {security.sasl_mechanism}: {exc}"
            continue
        await _close(conn)
        return None
    return None


async def _close(conn: Any) -> None:
    """Close an aiokafka connection and wait until its socket is closed (``close`` does not wait)."""
    writer = getattr(conn, "_writer", None)
    conn.close()
    if writer is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 2)


def auth_failure_text(bootstrap: str, security: KafkaSecurity, exc: BaseException) -> str | None:
    """One line for an authentication failure of a client at ``bootstrap`` (``exc`` from kafka-python or aiokafka),
    or None when ``exc`` is something else."""
    names = {type(e).__name__ for e in _chain(exc)}
    if not names & {"SaslAuthenticationFailedError", "SaslAuthenticationFailed", "AuthenticationFailedError"}:
        return None
    return f"Kafka at {bootstrap}: authentication failed ({security.describe()}); check the user and its password file"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
