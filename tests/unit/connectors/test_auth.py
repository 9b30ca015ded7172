"""Webhook credentials: bearer tokens and HMAC-SHA256 signatures, compared in constant time; secret references."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.connectors import auth
from hub.connectors.auth import SecretRef, check_bearer, check_hmac, sign
from hub.errors import AuthFailure, ConfigError

SECRET = b"s3cret-havag"
BODY = b"<Siri><ServiceDelivery/></Siri>"


def test_bearer_accepts_the_right_token() -> None:
    """`Authorization: Bearer <token>` with the configured token passes (scheme case-insensitive)."""
    check_bearer("Bearer s3cret-havag", SECRET)
    check_bearer("bearer s3cret-havag", SECRET)


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("", 401),
        ("Basic czNjcmV0", 401),
        ("Bearer ", 401),
        ("Bearer wrong", 403),
        ("Bearer s3cret-havaG", 403),
    ],
)
def test_bearer_refuses_missing_or_wrong_tokens(header: str | None, status: int) -> None:
    """No usable bearer credentials is 401; a wrong token is 403."""
    with pytest.raises(AuthFailure) as err:
        check_bearer(header, SECRET)
    assert err.value.status == status


def test_hmac_accepts_a_signature_of_the_body_with_or_without_prefix() -> None:
    """`sha256=<hex>` and bare `<hex>` (any case) of HMAC-SHA256(secret, body) pass."""
    good = hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == "sha256=" + good
    check_hmac("sha256=" + good, BODY, SECRET, "X-Sig")
    check_hmac(good.upper(), BODY, SECRET, "X-Sig")


@pytest.mark.parametrize(
    ("signature", "status"),
    [
        (None, 401),
        ("", 401),
        ("sha256=" + "0" * 64, 403),
        (sign(BODY + b" ", SECRET), 403),
        (sign(BODY, b"other"), 403),
        ("sha256=ünïcode", 403),
    ],
)
def test_hmac_refuses_missing_or_wrong_signatures(signature: str | None, status: int) -> None:
    """A missing signature is 401; one of another body or key, or garbage, is 403 (never an exception)."""
    with pytest.raises(AuthFailure) as err:
        check_hmac(signature, BODY, SECRET, "X-Sig")
    assert err.value.status == status
    if status == 401:
        assert "X-Sig" in err.value.reason


def test_checks_compare_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both checks go through hmac.compare_digest, never ==."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    check_bearer("Bearer s3cret-havag", SECRET)
    check_hmac(sign(BODY, SECRET), BODY, SECRET, "X-Sig")
    assert len(calls) == 2


def test_secret_from_environment_and_file(tmp_path: Path) -> None:
    """A secret is read from the named environment variable or file (trailing newline dropped)."""
    assert SecretRef(env="HOOK").resolve({"HOOK": "abc"}) == b"abc"
    path = tmp_path / "secret"
    path.write_bytes(b"from-file\n")
    assert SecretRef(file=path).resolve() == b"from-file"


def test_missing_secrets_name_where_they_were_looked_for(tmp_path: Path) -> None:
    """An unset variable, a missing or empty file is a ConfigError naming the variable or file, not a value."""
    with pytest.raises(ConfigError, match="environment variable HOOK is not set"):
        SecretRef(env="HOOK").resolve({})
    with pytest.raises(ConfigError, match=f"cannot read secret file {tmp_path / 'nope'}"):
        SecretRef(file=tmp_path / "nope").resolve()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        SecretRef(file=tmp_path / "empty").resolve()


@pytest.mark.parametrize("value", [{}, {"env": "A", "file": "/b"}])
def test_a_secret_reference_names_exactly_one_place(value: dict[str, str]) -> None:
    """Neither or both of env and file is a validation error."""
    with pytest.raises(ValidationError, match="exactly one of env or file"):
        SecretRef.model_validate(value)
