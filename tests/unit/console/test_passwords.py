"""Password hashes: scrypt with the parameters in the hash, checked in constant time, weak or malformed hashes
refused without being quoted."""

from __future__ import annotations

import hmac

import pytest

from hub.console.passwords import DEFAULT_N, DEFAULT_P, DEFAULT_R, MIN_N, ScryptHash, hash_password, parse_hash
from hub.errors import ConfigError


def test_a_hash_round_trips_and_matches_only_its_password() -> None:
    """The text form parses back to the same hash; the password matches, a near miss does not."""
    made = hash_password("Straßenbahn 654!", n=MIN_N)
    text = str(made)
    assert text.startswith(f"scrypt${MIN_N}$8$1$")
    parsed = parse_hash(text)
    assert parsed == made
    assert parsed.matches("Straßenbahn 654!")
    assert not parsed.matches("Straßenbahn 654")
    assert not parsed.matches("")


def test_new_hashes_use_strong_parameters_and_a_fresh_salt() -> None:
    """By default N = 2^17, r = 8, p = 1 (OWASP's scrypt setting); two hashes of one password differ by salt."""
    assert (DEFAULT_N, DEFAULT_R, DEFAULT_P) == (2**17, 8, 1)
    one, two = hash_password("x" * 12, n=MIN_N), hash_password("x" * 12, n=MIN_N)
    assert one.salt != two.salt
    assert one.digest != two.digest
    assert len(one.salt) == 16
    assert len(one.digest) == 32


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The derived key is compared with hmac.compare_digest, never with ==."""
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr("hub.console.passwords.hmac.compare_digest", spy)
    made = hash_password("secret password", n=MIN_N)
    assert made.matches("secret password")
    assert seen
    assert seen[0][1] == made.digest


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("bcrypt$2b$12$abc", "not a scrypt hash"),
        ("scrypt$16384$8$1$salt", "not a scrypt hash"),
        ("scrypt$abc$8$1$c2FsdA$aGFzaA", "malformed"),
        ("scrypt$16384$8$1$!!!$aGFzaA", "malformed"),
        ("scrypt$1024$8$1$" + "A" * 22 + "$" + "A" * 43, "n must be a power of 2 from 16384"),
        ("scrypt$20000$8$1$" + "A" * 22 + "$" + "A" * 43, "n must be a power of 2"),
        ("scrypt$16384$4$1$" + "A" * 22 + "$" + "A" * 43, "r must be 8 to 64"),
        ("scrypt$16384$8$1$QUJD$" + "A" * 43, "at least 16 and 32 bytes"),
    ],
)
def test_malformed_or_weak_hashes_are_refused_without_quoting_them(text: str, says: str) -> None:
    """A hash that is not scrypt, malformed, too cheap or with a short salt stops start-up; the hash is not shown."""
    with pytest.raises(ConfigError, match=says) as caught:
        parse_hash(text)
    assert text not in str(caught.value)


def test_an_empty_password_is_not_hashed() -> None:
    """Nobody gets an empty password."""
    with pytest.raises(ValueError, match="empty"):
        hash_password("", n=MIN_N)


def test_scrypt_memory_is_allowed_for_the_strongest_accepted_hash() -> None:
    """maxmem follows the parameters, so N = 2^17 (128 MiB) derives without OpenSSL's memory error."""
    made = ScryptHash(2**17, 8, 1, b"s" * 16, b"\0" * 32)
    assert len(made.derive("password")) == 32
