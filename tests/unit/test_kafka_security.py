"""The Kafka security settings: checked at start with one clear line, the password only from a file only its owner
may read, and the same TLS context and SASL identity given to kafka-python, aiokafka and faust."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import AuthProtocol, SASLMechanism

from hub.config import Settings, load_settings
from hub.errors import ConfigError
from hub.kafka_security import (
    PLAINTEXT,
    aiokafka_options,
    faust_credentials,
    kafka_python_options,
    security_of,
    verify_connection,
)
from hub.processes import free_port
from tests.helpers.kafka_tls_proxy import write_secret

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def files(tmp_path: Path, ca: trustme.CA) -> dict[str, Path]:
    """A CA file, a client certificate and its key (mode 600), and a password file (mode 600)."""
    client = ca.issue_cert("hub-client@example.test")
    paths = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "client.pem",
        "key": tmp_path / "client-key.pem",
        "password": write_secret(tmp_path / "kafka-password", PASSWORD),
    }
    ca.cert_pem.write_to_path(str(paths["ca"]))
    client.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    client.private_key_pem.write_to_path(str(paths["key"]))
    paths["key"].chmod(0o600)
    return paths


def _settings(**values: Any) -> Settings:
    return Settings(**{"kafka_bootstrap": "broker.example.test:9093", **values})


def _scram(files: dict[str, Path], **values: Any) -> Settings:
    defaults: dict[str, Any] = {
        "kafka_security_protocol": "SASL_SSL",
        "kafka_ssl_cafile": files["ca"],
        "kafka_sasl_mechanism": "SCRAM-SHA-256",
        "kafka_sasl_username": "hub-normalise",
        "kafka_sasl_password_file": files["password"],
    }
    return _settings(**{**defaults, **values})


def test_plaintext_by_default() -> None:
    settings = _settings()
    assert security_of(settings) == PLAINTEXT
    assert kafka_python_options(settings) == {"security_protocol": "PLAINTEXT"}
    assert aiokafka_options(settings) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(settings) is None


def test_sasl_ssl_scram_gives_every_library_the_same_context_and_login(files: dict[str, Path]) -> None:
    settings = _scram(files)
    options = kafka_python_options(settings)
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert options == {
        "security_protocol": "SASL_SSL",
        "ssl_context": context,
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "hub-normalise",
        "sasl_plain_password": PASSWORD,  # the file's line, without its newline
    }
    assert aiokafka_options(settings) == options
    assert aiokafka_options(settings)["ssl_context"] is context, "one SSLContext, built once"
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol is AuthProtocol.SASL_SSL
    assert credentials.mechanism is SASLMechanism.SCRAM_SHA_256
    assert (credentials.username, credentials.password, credentials.ssl_context) == ("hub-normalise", PASSWORD, context)
    assert PASSWORD not in repr(security_of(settings))
    assert PASSWORD not in repr(credentials)
    assert PASSWORD not in str(settings.model_dump())


def test_sasl_plaintext_plain_has_no_tls(files: dict[str, Path]) -> None:
    settings = _scram(
        files, kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN", kafka_ssl_cafile=None
    )
    assert "ssl_context" not in kafka_python_options(settings)
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol is AuthProtocol.SASL_PLAINTEXT
    assert credentials.mechanism is SASLMechanism.PLAIN


def test_mutual_tls_loads_the_client_certificate(files: dict[str, Path]) -> None:
    settings = _settings(
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=files["ca"],
        kafka_ssl_certfile=files["cert"],
        kafka_ssl_keyfile=files["key"],
        kafka_ssl_check_hostname=False,
    )
    options = kafka_python_options(settings)
    assert options["security_protocol"] == "SSL"
    assert not options["ssl_context"].check_hostname
    assert "sasl_mechanism" not in options
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SSLCredentials)
    assert credentials.context is options["ssl_context"]


def test_settings_come_from_the_environment(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", "broker.example.test:9093")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("HUB_KAFKA_SSL_CAFILE", str(files["ca"]))
    monkeypatch.setenv("HUB_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("HUB_KAFKA_SASL_USERNAME", "hub-router")
    monkeypatch.setenv("HUB_KAFKA_SASL_PASSWORD_FILE", str(files["password"]))
    options = kafka_python_options(load_settings())
    assert (options["sasl_mechanism"], options["sasl_plain_username"]) == ("SCRAM-SHA-512", "hub-router")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "TLS")
    with pytest.raises(ConfigError, match="HUB_KAFKA_SECURITY_PROTOCOL"):
        load_settings()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kafka_sasl_mechanism": None}, "SASL_SSL needs HUB_KAFKA_SASL_MECHANISM"),
        ({"kafka_sasl_username": None}, "SASL_SSL needs HUB_KAFKA_SASL_USERNAME"),
        ({"kafka_sasl_password_file": None}, "SASL_SSL needs HUB_KAFKA_SASL_PASSWORD_FILE"),
        ({"kafka_ssl_cafile": Path("/nonexistent/ca.pem")}, "HUB_KAFKA_SSL_CAFILE=/nonexistent/ca.pem: no such file"),
        (
            {"kafka_sasl_password_file": Path("/nonexistent/pw")},
            "HUB_KAFKA_SASL_PASSWORD_FILE=/nonexistent/pw: no such",
        ),
        (
            {"kafka_security_protocol": "SSL"},
            "HUB_KAFKA_SASL_MECHANISM is set but HUB_KAFKA_SECURITY_PROTOCOL=SSL does not authenticate with SASL",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT"},
            "HUB_KAFKA_SSL_CAFILE is set but HUB_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT does not encrypt",
        ),
        ({"kafka_bootstrap": None}, "SASL_SSL needs HUB_KAFKA_BOOTSTRAP: the embedded broker"),
    ],
)
def test_settings_that_do_not_fit_are_refused_in_one_line(
    files: dict[str, Path], change: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        security_of(_scram(files, **change))
    assert expected in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_password_file_others_may_read_is_refused_without_showing_it(files: dict[str, Path]) -> None:
    files["password"].chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        security_of(_scram(files))
    assert "mode 644" in str(refused.value)
    assert "chmod 600" in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_an_empty_password_file_is_refused(files: dict[str, Path], tmp_path: Path) -> None:
    empty = write_secret(tmp_path / "empty", "")
    with pytest.raises(ConfigError, match="must hold the secret on one line"):
        security_of(_scram(files, kafka_sasl_password_file=empty))


def test_mutual_tls_needs_a_private_key_file_only_its_owner_may_read(files: dict[str, Path]) -> None:
    base = {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": files["ca"], "kafka_ssl_certfile": files["cert"]}
    with pytest.raises(ConfigError, match="HUB_KAFKA_SSL_KEYFILE is unset"):
        security_of(_settings(**base))
    files["key"].chmod(0o640)
    with pytest.raises(ConfigError, match=r"HUB_KAFKA_SSL_KEYFILE=.* has mode 640"):
        security_of(_settings(**base, kafka_ssl_keyfile=files["key"]))


def test_a_ca_file_that_holds_no_certificate_is_refused(files: dict[str, Path], tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("hello\n")
    with pytest.raises(ConfigError, match="holds no usable CA certificate"):
        security_of(_scram(files, kafka_ssl_cafile=bogus))


def test_the_login_check_leaves_an_unreachable_broker_to_the_client(files: dict[str, Path]) -> None:
    """Nothing listens: no login can be refused, so the check says nothing and the client reports what it finds."""
    port = free_port()
    verify_connection(f"127.0.0.1:{port}", security_of(_scram(files, kafka_bootstrap=f"127.0.0.1:{port}")), 2.0)
