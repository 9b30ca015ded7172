"""Settings of the hub, read once from the environment (prefix ``HUB_``) in the entry point.

Nothing here reads the environment at import time; ``load_settings()`` builds the frozen object that is passed down.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.errors import ConfigError

_PREFIX_CHARS = re.compile(r"[a-zA-Z0-9._-]+")


class Settings(BaseSettings):
    """Every setting of the hub. Unset ``kafka_bootstrap`` / ``database_url`` mean: use the embedded stack."""

    model_config = SettingsConfigDict(env_prefix="HUB_", frozen=True, extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None, description="host:port[,host:port] of a Kafka cluster; unset = embedded Tansu broker"
    )
    database_url: SecretStr | None = Field(
        default=None, description="PostgreSQL conninfo/URL; unset = embedded PostgreSQL from pgserver"
    )
    state_dir: Path = Field(default=Path(".hub"), description="where the embedded stack keeps data and logs")
    broker_port: int = Field(default=19092, ge=1, le=65535, description="port of the embedded broker")
    postgres_port: int = Field(default=15432, ge=1, le=65535, description="port of the embedded PostgreSQL")

    topic_prefix: str = Field(
        default="",
        description="prefix for every topic and consumer group (one cluster, several hubs or tests): Kafka's topic "
        "characters a-z A-Z 0-9 . _ - only, ending in '.', '_' or '-' (prod. gives prod.raw.havag...)",
    )
    kafka_startup_timeout_s: float = Field(
        default=15.0,
        gt=0,
        description="how long a process waits at start for the broker to answer before it gives up with an error",
    )
    replication_factor: int = Field(default=1, ge=1, description="replication factor for `hub topics apply`")
    consumer_fetch_max_wait_ms: int = Field(
        default=10,
        ge=0,
        description="fetch wait of every consumer; the embedded broker answers only after this wait",
    )
    consumer_session_timeout_s: float = Field(
        default=6.0,
        gt=0,
        description="consumer group session timeout: a killed worker's partitions move after it; the embedded broker "
        "answers a join after half of it (Apache Kafka refuses less than 6 s by default)",
    )
    kafka_metadata_max_age_s: float = Field(
        default=30.0,
        gt=0,
        description="how often producers refresh their view of the cluster: a topic that vanished (deleted, an "
        "empty broker restart) holds or fails their sends within this; on the embedded broker, which acknowledges "
        "records for a topic it no longer has and keeps none, it bounds how long such sends go unnoticed",
    )
    consumer_group_instance_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=249,
        description="static group membership: this worker's id in its stage's consumer group, stable across its "
        "restarts and unique among the stage's workers; unset = dynamic membership",
    )

    # Kafka security (README "Secure Kafka"): TLS and SASL for every Kafka client of the hub, turned into each
    # library's options by hub.kafka_security, which also checks that they fit together at start. The SASL password
    # is never a setting: only the file named by HUB_KAFKA_SASL_PASSWORD_FILE holds it (mode 600), so it never
    # shows in a settings dump or a child's environment.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="how clients reach the cluster: PLAINTEXT (embedded broker), SSL (TLS), SASL_SSL (TLS and a "
        "SASL login; production), SASL_PLAINTEXT (login without encryption)",
    )
    kafka_ssl_cafile: Path | None = Field(
        default=None,
        description="PEM file of the CA(s) the cluster's certificates are checked against; unset = the system's CAs",
    )
    kafka_ssl_certfile: Path | None = Field(
        default=None, description="PEM certificate (chain) of this client, for mutual TLS; with HUB_KAFKA_SSL_KEYFILE"
    )
    kafka_ssl_keyfile: Path | None = Field(
        default=None, description="PEM private key of HUB_KAFKA_SSL_CERTFILE (mode 600: refused if others may read it)"
    )
    kafka_ssl_key_password_file: Path | None = Field(
        default=None, description="file holding the password of an encrypted HUB_KAFKA_SSL_KEYFILE (mode 600)"
    )
    kafka_ssl_check_hostname: bool = Field(
        default=True, description="check that the broker's certificate names the host connected to"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, description="SASL mechanism under SASL_SSL / SASL_PLAINTEXT"
    )
    kafka_sasl_username: str | None = Field(default=None, min_length=1, description="SASL user of this process")
    kafka_sasl_password_file: Path | None = Field(
        default=None,
        description="file holding the SASL user's password on one line (mode 600: refused if others may read it)",
    )

    # How long a worker's database connection may take (libpq connect_timeout, whole seconds) and one statement may
    # run (PostgreSQL statement_timeout): a database that does not answer becomes an error, logged and retried,
    # instead of a silent hang.
    database_connect_timeout_s: int = Field(
        default=5, ge=2, description="how long a worker waits for a database connection before it retries"
    )
    database_statement_timeout_s: float = Field(
        default=30.0, gt=0, description="longest a worker's database statement may run before it is cancelled"
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto = console on a terminal, JSON otherwise"
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="port of this process's /metrics endpoint; 0 = pick a free one"
    )
    metrics_host: str = "127.0.0.1"

    # Privacy (docs/privacy.md). Key material itself is never a setting: it comes from HUB_PSEUDONYM_KEY_DIR or
    # HUB_PSEUDONYM_KEY_<DOMAIN>, read by hub.privacy.keys, so it never shows in a settings dump. Who may
    # re-identify is no setting either: the database login's membership of hub_police, checked by the database
    # (HUB_REIDENTIFY_ROLES is gone and ignored).
    policy_path: Path | None = Field(default=None, description="sharing policy TOML; unset = the shipped default")
    pseudonym_keys: Literal["configured", "demo"] = Field(
        default="configured",
        description="configured = keys from HUB_PSEUDONYM_KEY_DIR / HUB_PSEUDONYM_KEY_<DOMAIN> (refuses to start "
        "without them); demo = keys derived from a public seed, for the demo and tests only",
    )
    retention_short_days: int = Field(default=30, ge=1, description="retention class short (exercises, tests)")
    retention_standard_days: int = Field(default=180, ge=1, description="retention class standard")
    retention_long_days: int = Field(default=730, ge=1, description="retention class long")
    retention_register_days: int = Field(
        default=1095, ge=1, description="transfer register and re-identification audit; at least the longest class"
    )
    max_future_hours: float = Field(
        default=24.0,
        gt=0,
        description="the normaliser refuses an observation (incident report, position, status, trip update) dated "
        "more than this ahead of its clock: a future time would keep it from expiring",
    )

    # Router (docs/router.md).
    router_clock: Literal["wall", "event"] = Field(
        default="wall",
        description="the router's now: wall = the worker's clock (production); event = the latest event time the "
        "router has seen, never going backwards (simulations faster than real time, replays of old data)",
    )

    router_roads: Literal["streets", "straight"] = Field(
        default="streets",
        description="how the router times a unit's drive: streets = on Halle's street graph shipped in the package "
        "(hub/network/roads.py, what `hub eval intercept` measures); straight = straight line times a detour factor",
    )

    # HTTP acknowledgements (docs/acks.md). The tokens are never settings: HUB_ACK_TOKEN_<DOMAIN> or
    # HUB_ACK_TOKEN_<DOMAIN>_FILE, read by hub.acks_http, so they never show in a settings dump.
    acks_host: str = Field(default="127.0.0.1", description="address `hub acks serve` listens on")
    acks_port: int = Field(default=8470, ge=0, le=65535, description="port of `hub acks serve`; 0 = pick a free one")
    acks_produce_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="how long an HTTP acknowledgement waits for the broker before it is answered 503 (sent again)",
    )

    # The operator console (docs/console.md). Passwords live in the users file as scrypt hashes, never in settings;
    # systems use the acknowledgement tokens above.
    console_host: str = Field(default="127.0.0.1", description="address `hub console` listens on")
    console_port: int = Field(default=8480, ge=0, le=65535, description="port of `hub console`; 0 = pick a free one")
    console_users: Path | None = Field(
        default=None,
        description="users file of the console (TOML: [users.<name>] agency, role, password_hash); unset = no "
        "person can sign in, only systems with a bearer token",
    )
    console_session_idle_s: float = Field(
        default=12 * 3600.0, gt=0, description="a console session ends after this long without a request"
    )
    console_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="the session cookie's Secure flag: auto = set unless the request came over plain http to a "
        "loopback host; always = also then (TLS proxy that rewrites Host to localhost); never = tests only",
    )

    # The HTTP servers (the console and `hub acks serve` on uvicorn, the webhooks of `hub connectors run` on
    # aiohttp): how many connections each holds and for how long (hub.connectors.edge, docs/connectors.md).
    http_max_connections: int = Field(
        default=512,
        ge=1,
        description="open connections a server holds; past it the longest idle one is closed for the new one "
        "(a new one is refused with 503 only when every held one is being answered); kept below the file limit",
    )
    http_header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="a connection that has not sent a whole request head this long after it opened or after "
        "its last answer is closed (idle keep-alive, slow or stalled clients)",
    )
    http_body_timeout_s: float = Field(
        default=30.0, gt=0, description="how long a request's body may take to arrive before it is answered 408"
    )
    http_max_head_bytes: int = Field(
        default=16384,
        ge=1024,
        le=1_048_576,
        description="largest request head (console: request line and headers together; webhooks: each line); "
        "a longer one is answered 431",
    )

    @field_validator("topic_prefix")
    @classmethod
    def _topic_prefix_is_a_topic_name_start(cls, prefix: str) -> str:
        """Refused before any topic is named: a prefix with other characters made the broker create topics named
        that way, and one without a separator glued onto the names (``prodraw.havag...``)."""
        if prefix and not _PREFIX_CHARS.fullmatch(prefix):
            raise ValueError(f"{prefix!r} may hold only a-z A-Z 0-9 . _ - (Kafka's topic name characters)")
        if prefix and prefix[-1] not in ".-_":
            raise ValueError(f"{prefix!r} must end in '.', '_' or '-', e.g. {prefix + '.'!r}")
        if len(prefix) > 100:
            raise ValueError("at most 100 characters (a topic name has at most 249, with the declared name)")
        return prefix

    @model_validator(mode="after")
    def _register_outlives_data(self) -> Settings:
        longest = max(self.retention_short_days, self.retention_standard_days, self.retention_long_days)
        if self.retention_register_days < longest:
            raise ValueError(
                f"retention_register_days ({self.retention_register_days}) must be at least the longest retention "
                f"class ({longest}): the record of a transfer has to outlive the data transferred"
            )
        return self

    def with_endpoints(self, kafka_bootstrap: str | None, database_url: str | None) -> Settings:
        """A copy in which endpoints left unset are filled in (by the embedded stack); set ones are kept."""
        data = self.model_dump()
        data["kafka_bootstrap"] = self.kafka_bootstrap or kafka_bootstrap
        data["database_url"] = self.database_url.get_secret_value() if self.database_url else database_url
        return type(self).model_validate(data)

    def database_conninfo(self) -> str:
        """The database URL; only valid once the embedded stack (or the operator) has set it."""
        if self.database_url is None:
            raise ConfigError("HUB_DATABASE_URL is not set and no embedded database was started")
        return self.database_url.get_secret_value()

    def bootstrap(self) -> str:
        """The Kafka bootstrap servers; only valid once the embedded stack (or the operator) has set them."""
        if self.kafka_bootstrap is None:
            raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set and no embedded broker was started")
        return self.kafka_bootstrap


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment once; ``overrides`` win (used by the CLI and tests)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            (f"HUB_{'_'.join(str(p) for p in err['loc']).upper()}: " if err["loc"] else "") + err["msg"]
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
