"""Password hashes of the console's users: scrypt (RFC 7914) as ``scrypt$n$r$p$salt$hash`` (salt and hash in
base64 without padding), made by ``hub console hash-password``, checked in constant time.

The parameters travel in the hash, so stronger ones can be rolled out user by user; hashes weaker than
``MIN_N``/``MIN_R`` are refused when the users file is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from hub.errors import ConfigError

__all__ = ["DEFAULT_N", "DEFAULT_P", "DEFAULT_R", "MIN_N", "MIN_R", "ScryptHash", "hash_password", "parse_hash"]

#: New hashes: N = 2^17, r = 8, p = 1 (OWASP's recommendation for scrypt): 128 MiB and about 0.3 s per check.
DEFAULT_N = 2**17
DEFAULT_R = 8
DEFAULT_P = 1
#: The weakest hash the users file may hold (16 MiB per check); below it a stolen file is cheap to crack.
MIN_N = 2**14
MIN_R = 8
#: The strongest taken: a hash is work the server does on every sign-in, so it must not be unbounded.
MAX_N = 2**20
MAX_P = 16
SALT_BYTES = 16
HASH_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True, slots=True)
class ScryptHash:
    """One stored hash: the cost parameters, the salt and the derived key."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def __str__(self) -> str:
        return f"scrypt${self.n}${self.r}${self.p}${_b64(self.salt)}${_b64(self.digest)}"

    def derive(self, password: str) -> bytes:
        """The key ``password`` derives with this hash's salt and parameters."""
        memory = 128 * self.r * (self.n + self.p + 2) + 2**20  # what OpenSSL needs, with room to spare
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=self.salt,
            n=self.n,
            r=self.r,
            p=self.p,
            maxmem=memory,
            dklen=len(self.digest),
        )

    def matches(self, password: str) -> bool:
        """Whether ``password`` is the one hashed; the comparison takes the same time wherever they differ."""
        return hmac.compare_digest(self.derive(password), self.digest)


def hash_password(password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> ScryptHash:
    """A new hash of ``password`` with a random salt."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salted = ScryptHash(n, r, p, secrets.token_bytes(SALT_BYTES), b"\0" * HASH_BYTES)
    _check_strength(salted)
    return ScryptHash(n, r, p, salted.salt, salted.derive(password))


def parse_hash(text: str) -> ScryptHash:
    """A hash as the users file holds it; ``ConfigError`` (never quoting it) when it is malformed or too weak."""
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ConfigError("not a scrypt hash (scrypt$n$r$p$salt$hash, made by `hub console hash-password`)")
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error) as exc:
        raise ConfigError("scrypt hash: the parameters or the base64 salt and hash are malformed") from exc
    found = ScryptHash(n, r, p, salt, digest)
    _check_strength(found)
    if len(salt) < SALT_BYTES or len(digest) < HASH_BYTES:
        raise ConfigError(f"scrypt hash: salt and hash must be at least {SALT_BYTES} and {HASH_BYTES} bytes")
    return found


def _check_strength(found: ScryptHash) -> None:
    if found.n & (found.n - 1) or not MIN_N <= found.n <= MAX_N:
        raise ConfigError(f"scrypt hash: n must be a power of 2 from {MIN_N} to {MAX_N}, not {found.n}")
    if found.r < MIN_R or found.r > 64 or not 1 <= found.p <= MAX_P:
        raise ConfigError(f"scrypt hash: r must be {MIN_R} to 64 and p 1 to {MAX_P}, not r={found.r} p={found.p}")
