"""Pseudonymisation keys: length, secrecy, loading from files and the environment, rotation, demo keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pickle
import stat
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.privacy.keys import (
    DEMO_DOMAINS,
    DEMO_KID,
    KEY_DIR_ENV,
    MIN_KEY_BYTES,
    DomainKeys,
    KeyRing,
    SecretKey,
    demo_keyring,
    load_keyring,
)
from hub.privacy.policy import DOMAINS

SECRET = bytes(range(40))
SECRET_B64 = base64.b64encode(SECRET).decode()


def _random(n: int, fill: int) -> bytes:
    """``n`` random-looking bytes, the same for the same ``fill`` (a test's stand-in for ``openssl rand``)."""
    stream = b"".join(hashlib.sha256(bytes([fill, i])).digest() for i in range(n // 32 + 1))
    return stream[:n]


def _b64(n: int, fill: int) -> str:
    return base64.b64encode(_random(n, fill)).decode()


def test_short_key_refused_with_clear_message() -> None:
    """A 31-byte secret is refused, and the message names the minimum and how to make a key."""
    with pytest.raises(ConfigError, match=rf"31 bytes; at least {MIN_KEY_BYTES}.*openssl rand"):
        SecretKey("k1", b"x" * 31)
    assert SecretKey("k1", b"x" * 32).kid == "k1"


def test_bad_key_id_refused() -> None:
    """A key id with a dot (the pseudonym separator) or too long is refused."""
    for kid in ("k.1", "", "a" * 17, "kid with space"):
        with pytest.raises(ConfigError, match="key id"):
            SecretKey(kid, SECRET)


def test_secret_never_in_repr_or_str() -> None:
    """repr and str of a key, a domain's keys and a key ring show key ids and lengths, never the secret."""
    key = SecretKey("k1", SECRET)
    ring = KeyRing([DomainKeys("havag", key)])
    texts = [repr(key), str(key), repr(ring.for_domain("havag")), str(ring.for_domain("havag")), repr(ring)]
    for text in texts:
        assert SECRET_B64 not in text
        assert SECRET.hex() not in text
        assert repr(SECRET) not in text
        assert str(list(SECRET)) not in text
    assert repr(key) == "SecretKey(kid='k1', secret=<40 bytes hidden>)"


def test_key_refuses_pickling() -> None:
    """A key cannot be serialised by accident (to a queue, a cache, a crash dump via pickle)."""
    with pytest.raises(TypeError, match="not serialised"):
        pickle.dumps(SecretKey("k1", SECRET))


def test_mac_depends_on_secret() -> None:
    """Two keys with different secrets give different MACs; the same secret the same MAC."""
    a, b = SecretKey("k1", SECRET), SecretKey("k1", SECRET[::-1])
    assert a.mac(b"x") == SecretKey("other", SECRET).mac(b"x")
    assert a.mac(b"x") != b.mac(b"x")
    assert len(a.mac(b"x")) == 32


def test_mac_is_hmac_sha256_of_the_secret_every_time() -> None:
    """The MAC from the key's prepared state is RFC 2104 HMAC-SHA256 under the secret, for short, empty and long
    messages, and stays so call after call (each MAC works on a copy of the state)."""
    key = SecretKey("k1", SECRET)
    messages = [b"x", b"", b"hub-share-id\x00havag\x00" + b"e" * 36, bytes(range(256)) * 20, b"x"]
    assert [key.mac(m) for m in messages] == [hmac.digest(SECRET, m, "sha256") for m in messages]


@pytest.mark.parametrize("length", [32, 63, 64, 65, 200])
def test_mac_is_hmac_sha256_for_secrets_of_any_length(length: int) -> None:
    """Secrets up to SHA-256's block (64 bytes) are padded, longer ones hashed first (RFC 2104): the same MAC as
    ``hmac`` on either side of the block size."""
    secret = bytes((7 * i + length) % 256 for i in range(length))
    key = SecretKey("k1", secret)
    for message in (b"", b"v", bytes(range(256)) * 3):
        assert key.mac(message) == hmac.digest(secret, message, "sha256")


def test_env_key_with_rotation() -> None:
    """``kid:base64`` in the environment; further comma-separated keys are older ones, the first is active."""
    env = {"HUB_PSEUDONYM_KEY_HAVAG": f"k2:{_b64(32, 2)}, k1:{_b64(32, 1)}"}
    keys = load_keyring(["havag"], env).for_domain("havag")
    assert keys.active.kid == "k2"
    assert [k.kid for k in keys.older] == ["k1"]
    assert keys.get("k1") is not None
    assert keys.get("k0") is None


def test_env_key_not_base64_does_not_echo_value() -> None:
    """A malformed secret is reported without quoting it."""
    secret_ish = "this-is-not-base64-but-could-be-a-secret!!!"
    with pytest.raises(ConfigError, match="not valid base64") as info:
        load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": f"k1:{secret_ish}"})
    assert secret_ish not in str(info.value)


def test_env_key_without_kid_refused() -> None:
    """A bare secret without ``kid:`` is refused with the expected form."""
    with pytest.raises(ConfigError, match="<kid>:<base64 secret>"):
        load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": SECRET_B64})


def test_short_env_key_refused() -> None:
    """The minimum length holds for environment keys too."""
    with pytest.raises(ConfigError, match="at least 32"):
        load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": f"k1:{_b64(16, 1)}"})


def _write(folder: Path, kid: str, fill: int, n: int = 32) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kid}.key"
    path.write_text(_b64(n, fill) + "\n", encoding="ascii")
    path.chmod(0o600)


def test_file_keys_single_and_rotated(tmp_path: Path) -> None:
    """One key file is active by itself; with several, the ``active`` file names the active key id."""
    _write(tmp_path / "havag", "k1", 1)
    _write(tmp_path / "analytics", "k1", 3)
    _write(tmp_path / "analytics", "k2", 4)
    (tmp_path / "analytics" / "active").write_text("k2\n")
    ring = load_keyring(["havag", "analytics"], {KEY_DIR_ENV: str(tmp_path)})
    assert ring.for_domain("havag").active.kid == "k1"
    assert ring.for_domain("analytics").active.kid == "k2"
    assert [k.kid for k in ring.for_domain("analytics").older] == ["k1"]


def test_several_key_files_without_active_refused(tmp_path: Path) -> None:
    """Two key files and no ``active`` file: the loader will not guess which one is active."""
    _write(tmp_path / "havag", "k1", 1)
    _write(tmp_path / "havag", "k2", 2)
    with pytest.raises(ConfigError, match="write the active key id"):
        load_keyring(["havag"], {KEY_DIR_ENV: str(tmp_path)})


def test_active_file_naming_missing_key_refused(tmp_path: Path) -> None:
    """An ``active`` file naming a key that is not there is an error naming it."""
    _write(tmp_path / "havag", "k1", 1)
    (tmp_path / "havag" / "active").write_text("k9")
    with pytest.raises(ConfigError, match="'k9'"):
        load_keyring(["havag"], {KEY_DIR_ENV: str(tmp_path)})


def test_short_file_key_refused(tmp_path: Path) -> None:
    """A key file with fewer than 32 bytes is refused, naming the key id."""
    _write(tmp_path / "havag", "k1", 1, n=20)
    with pytest.raises(ConfigError, match="key 'k1' is 20 bytes"):
        load_keyring(["havag"], {KEY_DIR_ENV: str(tmp_path)})


def test_missing_domain_key_names_domain() -> None:
    """A domain without any key is an error naming the domain and both places to put it."""
    with pytest.raises(ConfigError, match=r"'ordnungsamt'.*HUB_PSEUDONYM_KEY_ORDNUNGSAMT"):
        load_keyring(["ordnungsamt"], {})


def test_key_in_env_and_dir_refused(tmp_path: Path) -> None:
    """Keys for one domain in both places are ambiguous and refused."""
    _write(tmp_path / "havag", "k1", 1)
    env = {KEY_DIR_ENV: str(tmp_path), "HUB_PSEUDONYM_KEY_HAVAG": f"k2:{_b64(32, 2)}"}
    with pytest.raises(ConfigError, match="both"):
        load_keyring(["havag"], env)


def test_key_dir_inside_repository_refused() -> None:
    """A key folder inside a git work tree (this repository) is refused: keys never live in a repository."""
    repo = Path(__file__).resolve().parents[3]
    assert (repo / ".git").exists()
    with pytest.raises(ConfigError, match="git work tree"):
        load_keyring(["havag"], {KEY_DIR_ENV: str(repo / "keys")})


def test_same_secret_in_two_domains_refused() -> None:
    """One secret reused by two domains would make their pseudonyms linkable, so the ring refuses it."""
    env = {"HUB_PSEUDONYM_KEY_HAVAG": f"k1:{SECRET_B64}", "HUB_PSEUDONYM_KEY_ANALYTICS": f"k7:{SECRET_B64}"}
    with pytest.raises(ConfigError, match="share a key secret"):
        load_keyring(["havag", "analytics"], env)


def test_demo_kid_reserved_for_demo_keys() -> None:
    """A production key may not use the demo key id, so demo keys cannot be passed off as real ones."""
    with pytest.raises(ConfigError, match="reserved"):
        load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": f"{DEMO_KID}:{SECRET_B64}"})


def test_demo_keyring_is_deterministic_and_per_domain() -> None:
    """Demo keys: same seed, same keys; one distinct key per domain; another seed, other keys."""
    a, b, c = demo_keyring(DOMAINS), demo_keyring(DOMAINS), demo_keyring(DOMAINS, seed="other")
    macs = {d: a.for_domain(d).active.mac(b"v") for d in DOMAINS}
    assert len(set(macs.values())) == len(DOMAINS)
    assert all(b.for_domain(d).active.mac(b"v") == macs[d] for d in DOMAINS)
    assert all(c.for_domain(d).active.mac(b"v") != macs[d] for d in DOMAINS)
    assert {a.for_domain(d).active.kid for d in DOMAINS} == {DEMO_KID}


def test_loading_reads_only_the_given_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader reads the mapping it is given, not the process environment."""
    monkeypatch.setitem(os.environ, "HUB_PSEUDONYM_KEY_HAVAG", f"k1:{SECRET_B64}")
    with pytest.raises(ConfigError, match="no pseudonymisation key"):
        load_keyring(["havag"], {})


def _demo_secret_b64(domain: str) -> str:
    """The public demo secret of ``domain``, as an operator might copy it into a key file."""
    return base64.b64encode(hashlib.sha256(f"hub demo key\x00hub-demo\x00{domain}".encode()).digest()).decode()


def test_demo_domains_are_the_policy_domains() -> None:
    """Every domain's demo secret is refused: the list in keys.py is the policy's."""
    assert set(DEMO_DOMAINS) == set(DOMAINS)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (_demo_secret_b64("havag"), "public demo key of 'havag'"),
        (_demo_secret_b64("polizei"), "public demo key of 'polizei'"),  # another domain's demo key, another id
        (base64.b64encode(bytes(32)).decode(), "only 1 different byte values"),
        (base64.b64encode(b"\x01\x02" * 20).decode(), "only 2 different byte values"),
        (base64.b64encode(b"correct horse battery staple 2026!").decode(), "printable text"),
        (base64.b64encode(b"0123456789abcdef0123456789abcdef").decode(), "printable text"),  # hex text, not decoded
    ],
)
def test_weak_or_demo_secrets_refused_under_any_key_id(secret: str, message: str) -> None:
    """Demo secrets under another id, zeros, a pattern and passwords are refused; the message does not quote them."""
    with pytest.raises(ConfigError, match=message) as refused:
        load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": f"prod1:{secret}"})
    assert secret not in str(refused.value)
    assert "openssl rand" in str(refused.value)


def test_random_secret_accepted() -> None:
    """32 bytes from os.urandom pass every check."""
    secret = base64.b64encode(os.urandom(32)).decode()
    assert load_keyring(["havag"], {"HUB_PSEUDONYM_KEY_HAVAG": f"k1:{secret}"}).for_domain("havag").active.kid == "k1"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_key_file_readable_by_others_refused(tmp_path: Path, mode: int) -> None:
    """A key file group or others may read is refused, saying chmod 600; 600 and 400 are accepted."""
    _write(tmp_path / "havag", "k1", 1)
    path = tmp_path / "havag" / "k1.key"
    path.chmod(mode)
    with pytest.raises(ConfigError, match=rf"mode {mode:03o}.*chmod 600"):
        load_keyring(["havag"], {KEY_DIR_ENV: str(tmp_path)})
    path.chmod(0o400)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert load_keyring(["havag"], {KEY_DIR_ENV: str(tmp_path)}).for_domain("havag").active.kid == "k1"
