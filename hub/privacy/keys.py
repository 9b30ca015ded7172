"""Pseudonymisation keys: one HMAC secret per recipient domain, with key ids for rotation.

Keys come from files (``HUB_PSEUDONYM_KEY_DIR/<domain>/<kid>.key``, mode 600) or the environment
(``HUB_PSEUDONYM_KEY_<DOMAIN>=kid:base64``), never from the repository, and never show in repr, str or logs. A
configured key must look random (``check_strength``): not a demo secret under any id, not a password, not a
repeated byte. ``demo_keyring`` derives throwaway keys from a seed: for tests and the demo only, never for production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from hub.errors import ConfigError

__all__ = [
    "ACTIVE_FILE",
    "DEMO_KID",
    "KEY_DIR_ENV",
    "KEY_ENV_PREFIX",
    "KID_PATTERN",
    "MIN_DISTINCT_BYTES",
    "MIN_KEY_BYTES",
    "DomainKeys",
    "KeyRing",
    "SecretKey",
    "active_key_times",
    "check_strength",
    "demo_keyring",
    "load_keyring",
]

MIN_KEY_BYTES = 32
"""HMAC-SHA256 keys shorter than the hash output (32 bytes) weaken it (RFC 2104 § 3); shorter keys are refused."""

MIN_DISTINCT_BYTES = 16
"""A configured secret must hold at least this many different byte values. 32 random bytes hold about 30 (fewer
than 16 happens with a chance below 10⁻¹⁵); a repeated byte, a short pattern or a counter holds far fewer."""

DEMO_SEED = "hub-demo"
DEMO_DOMAINS = ("polizei", "havag", "ordnungsamt", "analytics", "praevention")
"""The domains whose demo secrets (from ``DEMO_SEED``) are refused as configured keys under any key id (the policy's
domains; a unit test keeps the two lists equal: this module cannot import the policy)."""

KEY_DIR_ENV = "HUB_PSEUDONYM_KEY_DIR"
KEY_ENV_PREFIX = "HUB_PSEUDONYM_KEY_"
KID_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
"""Key ids are short and carry no dot: the dot separates the parts of a pseudonym (``ps1.<kid>.<mac>``)."""

ACTIVE_FILE = "active"
"""In a domain's key folder with more than one key, this file names the key id that makes new pseudonyms."""

DEMO_KID = "demo"
"""Key id of every ``demo_keyring`` key; ``load_keyring`` refuses it, so demo keys cannot slip into production."""

_KID_RE = re.compile(KID_PATTERN)
_SHA256_BLOCK = 64
_INNER_PAD = bytes(b ^ 0x36 for b in range(256))  # RFC 2104's ipad and opad, as byte translations
_OUTER_PAD = bytes(b ^ 0x5C for b in range(256))


class SecretKey:
    """One key: a public key id and a secret that never leaves this object except into ``hmac``.

    ``repr``/``str`` show the key id and the length only; pickling is refused so a key cannot be written to a
    queue or a cache by accident.
    """

    __slots__ = ("_inner", "_outer", "_secret", "kid")

    def __init__(self, kid: str, secret: bytes) -> None:
        if not _KID_RE.match(kid):
            raise ConfigError(f"key id {kid!r} is not valid: 1-16 of A-Z a-z 0-9 _ -")
        if len(secret) < MIN_KEY_BYTES:
            raise ConfigError(
                f"key {kid!r} is {len(secret)} bytes; at least {MIN_KEY_BYTES} random bytes are required "
                f"(e.g. `openssl rand -base64 {MIN_KEY_BYTES}`)"
            )
        self.kid = kid
        self._secret = bytes(secret)
        # HMAC (RFC 2104) keyed once: the SHA-256 states after the inner and the outer padded key, which each MAC
        # copies. ``hmac.digest`` would key it anew every time and releases the GIL around every MAC, so that in a
        # worker with other threads each of a share's MACs could wait for the GIL (profiled at 57 us per MAC in a
        # loaded pseudonymise worker, against 5 in a quiet loop); ``hmac.HMAC.copy`` costs a Python object more
        # per MAC than the two hash states (1.7 against 1.2 us, quiet).
        block = self._secret if len(self._secret) <= _SHA256_BLOCK else hashlib.sha256(self._secret).digest()
        block = block.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_INNER_PAD))
        self._outer = hashlib.sha256(block.translate(_OUTER_PAD))

    def mac(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under this key (32 bytes)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def same_secret(self, other: SecretKey) -> bool:
        """Whether both keys hold the same secret (constant-time), to catch one secret reused for two domains."""
        return hmac.compare_digest(self._secret, other._secret)

    def __repr__(self) -> str:
        return f"SecretKey(kid={self.kid!r}, secret=<{len(self._secret)} bytes hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("pseudonymisation keys are not serialised")


@dataclass(frozen=True)
class DomainKeys:
    """The keys of one domain: ``active`` makes new pseudonyms; older ones stay for recognising old pseudonyms."""

    domain: str
    active: SecretKey
    older: tuple[SecretKey, ...] = ()
    by_kid: Mapping[str, SecretKey] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        keys = (self.active, *self.older)
        by_kid = {key.kid: key for key in keys}
        if len(by_kid) != len(keys):
            raise ConfigError(f"domain {self.domain!r} has two keys with the same key id")
        object.__setattr__(self, "by_kid", MappingProxyType(by_kid))

    def get(self, kid: str) -> SecretKey | None:
        """The key with id ``kid``, or None when this domain does not (or no longer) hold it."""
        return self.by_kid.get(kid)


class KeyRing:
    """The keys of every domain. A secret shared by two domains is refused: it would link their pseudonyms."""

    def __init__(self, domains: Iterable[DomainKeys]) -> None:
        by_domain: dict[str, DomainKeys] = {}
        for keys in domains:
            if keys.domain in by_domain:
                raise ConfigError(f"keys for domain {keys.domain!r} are given twice")
            by_domain[keys.domain] = keys
        _refuse_shared_secrets(by_domain)
        self._domains: Mapping[str, DomainKeys] = MappingProxyType(by_domain)

    @property
    def domains(self) -> tuple[str, ...]:
        """The domains that have keys."""
        return tuple(self._domains)

    def for_domain(self, domain: str) -> DomainKeys:
        """The keys of ``domain``; ``ConfigError`` naming the domain and where its key is looked for."""
        try:
            return self._domains[domain]
        except KeyError:
            raise ConfigError(
                f"no pseudonymisation key for domain {domain!r}: put one in "
                f"${KEY_DIR_ENV}/{domain}/<kid>.key or ${KEY_ENV_PREFIX}{domain.upper()}=<kid>:<base64>"
            ) from None

    def __repr__(self) -> str:
        return f"KeyRing(domains={list(self._domains)!r})"


def _refuse_shared_secrets(by_domain: Mapping[str, DomainKeys]) -> None:
    entries = [(name, key) for name, keys in by_domain.items() for key in keys.by_kid.values()]
    for i, (name_a, key_a) in enumerate(entries):
        for name_b, key_b in entries[i + 1 :]:
            if name_a != name_b and key_a.same_secret(key_b):
                raise ConfigError(
                    f"domains {name_a!r} and {name_b!r} share a key secret ({key_a.kid!r} / {key_b.kid!r}); "
                    "every domain needs its own, or their pseudonyms become linkable"
                )


def load_keyring(domains: Iterable[str], environ: Mapping[str, str]) -> KeyRing:
    """Load the keys of ``domains`` from ``$HUB_PSEUDONYM_KEY_DIR`` or ``HUB_PSEUDONYM_KEY_<DOMAIN>``.

    ``environ`` is passed in (the entry point gives ``os.environ``) so nothing reads the environment behind the
    caller's back. Every listed domain must have a key from exactly one of the two places.
    """
    key_dir_text = environ.get(KEY_DIR_ENV)
    key_dir = Path(key_dir_text) if key_dir_text else None
    if key_dir is not None:
        _refuse_repository(key_dir)
    loaded = []
    for domain in domains:
        variable = f"{KEY_ENV_PREFIX}{domain.upper()}"
        folder = key_dir / domain if key_dir is not None else None
        in_env = bool(environ.get(variable))
        in_dir = folder is not None and folder.is_dir()
        if in_env and in_dir:
            raise ConfigError(f"keys for domain {domain!r} are in both ${variable} and {folder}; give one")
        if in_env:
            keys = _keys_from_env(domain, variable, environ[variable])
        elif in_dir and folder is not None:
            keys = _keys_from_dir(domain, folder)
        else:
            where = f"{folder}/<kid>.key" if folder is not None else f"${KEY_DIR_ENV}/{domain}/<kid>.key"
            raise ConfigError(f"no pseudonymisation key for domain {domain!r}: set ${variable} or put one in {where}")
        if any(key.kid == DEMO_KID for key in keys.by_kid.values()):
            raise ConfigError(f"domain {domain!r}: key id {DEMO_KID!r} is reserved for demo keys")
        for key in keys.by_kid.values():
            check_strength(key, f"domain {domain!r}, key {key.kid!r}")
        loaded.append(keys)
    return KeyRing(loaded)


def _demo_secret(domain: str, seed: str = DEMO_SEED) -> bytes:
    return hashlib.sha256(f"hub demo key\x00{seed}\x00{domain}".encode()).digest()


def check_strength(key: SecretKey, where: str) -> None:
    """Refuse a configured secret that is not random enough to be a key (the message never quotes it):

    - a demo secret (``demo_keyring``'s, of any domain) under whatever key id: it is public;
    - all printable ASCII: a password or a text, not ``openssl rand`` output (32 random bytes are all printable
      with a chance of 10⁻¹⁴);
    - fewer than ``MIN_DISTINCT_BYTES`` different byte values: zeros, a repeated byte, a short pattern.

    The length (at least ``MIN_KEY_BYTES``) is checked by ``SecretKey`` itself.
    """
    make = f"make one with `openssl rand -base64 {MIN_KEY_BYTES}`"
    for domain in DEMO_DOMAINS:
        if key.same_secret(SecretKey(DEMO_KID, _demo_secret(domain))):
            raise ConfigError(f"{where} is the public demo key of {domain!r}; {make}")
    if all(0x20 <= b < 0x7F for b in key._secret):  # this module may look: the secret stays here
        raise ConfigError(f"{where} decodes to printable text (a password?), not random bytes; {make}")
    distinct = len(set(key._secret))
    if distinct < MIN_DISTINCT_BYTES:
        raise ConfigError(f"{where} holds only {distinct} different byte values (random keys hold about 30); {make}")


def _decode(secret_b64: str, where: str) -> bytes:
    try:
        return base64.b64decode(secret_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        # The message must not quote the value: it is (part of) a secret.
        raise ConfigError(f"{where}: the key is not valid base64") from None


def _keys_from_env(domain: str, variable: str, value: str) -> DomainKeys:
    """``kid:base64[,kid:base64...]``; the first key is the active one, the others are older keys kept."""
    keys = []
    for n, item in enumerate(value.split(","), start=1):
        kid, sep, secret_b64 = item.strip().partition(":")
        if not sep:
            raise ConfigError(f"${variable}: entry {n} is not of the form <kid>:<base64 secret>")
        keys.append(SecretKey(kid, _decode(secret_b64, f"${variable} entry {n} ({kid!r})")))
    return DomainKeys(domain, keys[0], tuple(keys[1:]))


def _keys_from_dir(domain: str, folder: Path) -> DomainKeys:
    """``<folder>/<kid>.key`` (base64 text) each; with several, the file ``active`` names the active key id."""
    files = sorted(folder.glob("*.key"))
    if not files:
        raise ConfigError(f"no <kid>.key file in {folder} for domain {domain!r}")
    for path in files:
        _refuse_readable_by_others(path)
    keys = {path.stem: SecretKey(path.stem, _decode(_read_key_text(path), str(path))) for path in files}
    marker = folder / ACTIVE_FILE
    if marker.is_file():
        active_kid = _read_key_text(marker).strip()
        if active_kid not in keys:
            raise ConfigError(f"{marker} names key id {active_kid!r}, but there is no {folder}/{active_kid}.key")
    elif len(keys) == 1:
        active_kid = next(iter(keys))
    else:
        raise ConfigError(f"{folder} holds {len(keys)} keys; write the active key id into {marker}")
    active = keys.pop(active_kid)
    return DomainKeys(domain, active, tuple(keys.values()))


def _read_key_text(path: Path) -> str:
    """A key file's (or the ``active`` marker's) text: base64 or a key id, so ASCII only. One clear line when it
    cannot be read or is no ASCII text, never its content (it is a secret)."""
    try:
        return path.read_text(encoding="ascii")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not ASCII text (at byte {exc.start}); a key file holds the base64 of the key on one line, "
            "the active file a key id"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None


def active_key_times(domains: Iterable[str], environ: Mapping[str, str]) -> dict[str, float]:
    """When each domain's active key was made, as Unix time, for the domains whose keys are files in
    ``$HUB_PSEUDONYM_KEY_DIR`` (a key file carries no creation time: its modification time stands for it; a key
    given in the environment has none and is left out). For the key age an operator rotates by."""
    key_dir_text = environ.get(KEY_DIR_ENV)
    if not key_dir_text:
        return {}
    times: dict[str, float] = {}
    for domain in domains:
        folder = Path(key_dir_text) / domain
        files = sorted(folder.glob("*.key")) if folder.is_dir() else []
        marker = folder / ACTIVE_FILE
        try:
            kid = _read_key_text(marker).strip() if marker.is_file() else (files[0].stem if len(files) == 1 else "")
            if kid:
                times[domain] = (folder / f"{kid}.key").stat().st_mtime
        except (ConfigError, OSError):
            continue  # loading the keys said what is wrong; no age rather than a wrong one
    return times


def _refuse_readable_by_others(path: Path) -> None:
    """A key file any other account may read (or write) is refused: the key is as good as known."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path} has mode {mode:03o}: group and others may use it; run `chmod 600 {path}`")


def _refuse_repository(key_dir: Path) -> None:
    """Keys must never be committed: refuse a key folder that lies inside a git work tree."""
    resolved = key_dir.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / ".git").exists():
            raise ConfigError(
                f"${KEY_DIR_ENV}={key_dir} lies inside the git work tree {parent}; keep keys out of any repository"
            )


def demo_keyring(domains: Iterable[str], seed: str = DEMO_SEED) -> KeyRing:
    """NOT FOR PRODUCTION: keys derived from a public ``seed``, so the demo and tests run without key files.

    Anyone who knows the seed can recompute every pseudonym. The key id is ``demo`` (visible in every pseudonym,
    ``ps1.demo.…``) and ``load_keyring`` refuses it.
    """
    return KeyRing(DomainKeys(domain, SecretKey(DEMO_KID, _demo_secret(domain, seed))) for domain in domains)
