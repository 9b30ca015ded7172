"""Keyed pseudonyms (``ps1.<kid>.<mac>``) and keyed share event ids, both HMAC-SHA256 under a domain's key.

Same value and key: same pseudonym; another domain (another key) or another key id: an unrelated one. Without
the key nobody can recompute or test a guess, which a plain hash would allow (EDPB Guidelines 01/2025).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from hub.privacy.keys import KeyRing, SecretKey

__all__ = [
    "ID_KEYS",
    "MAC_BYTES",
    "MAX_PSEUDONYM_LENGTH",
    "PSEUDONYM_PATTERN",
    "PSEUDONYM_PREFIX",
    "field_keys",
    "id_key_names",
    "is_pseudonym",
    "keyed_event_id",
    "pseudonym_kid",
    "pseudonymise",
]

PSEUDONYM_PREFIX = "ps1"
"""Format version: a later format (other MAC, other length) gets another prefix, so old and new never mix."""

MAC_BYTES = 16
"""The MAC is cut to 128 bits (26 base32 characters). With n distinct values the chance that two share a
pseudonym is about n²/2¹²⁹: for 10⁹ values 1.5·10⁻²¹. Guessing a pseudonym for a chosen value without the key
succeeds with 2⁻¹²⁸. Truncating HMAC output is allowed by RFC 2104 § 5 and NIST SP 800-107 as long as enough bits
remain; 128 is far above the 32-bit floor and matches the security level of the 256-bit key anyway."""

PSEUDONYM_PATTERN = r"^ps1\.[A-Za-z0-9_-]{1,16}\.[a-z2-7]{26}$"
MAX_PSEUDONYM_LENGTH = len(PSEUDONYM_PREFIX) + 1 + 16 + 1 + 26
"""47: fits every text field of the canonical model that a policy may pseudonymise (the policy checks this)."""

ID_KEYS: Mapping[str, tuple[str, frozenset[str]]] = MappingProxyType(
    {"analytics": ("analytics_ids", frozenset({"incident.incident_id"}))}
)
"""Per domain: the name of a long-lived *id key* in the key ring and the fields (``<kind>.<path>``) pseudonymised
under it instead of the domain's active key. Analytics counts incidents by their pseudonymised id; under the
rotating domain key an incident updated across a rotation would get two ids and be counted twice. An incident id
names no person, so linking it for longer costs nothing that rotation protects; the id key is rotated only when it
is compromised (docs/privacy.md)."""

_PSEUDONYM_RE = re.compile(PSEUDONYM_PATTERN)
_B32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 base32 alphabet, lower case
_B32_PAIRS = tuple(a + b for a in _B32 for b in _B32)  # every 10-bit value as two characters
# Domain separation: a pseudonym MAC can never equal a share-id MAC, whatever the input.
_PSEUDONYM_TAG = b"hub-pseudonym\x00"
_EVENT_ID_TAG = b"hub-share-id\x00"
# A share id's variant digit: the hex digit of byte 8's high nibble with its top two bits set to 10.
_VARIANT_DIGIT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def pseudonymise(value: str, key: SecretKey) -> str:
    """The pseudonym of ``value`` under ``key``: ``ps1.<kid>.<base32 of the first 16 MAC bytes>``.

    The value is NFC-normalised and stripped first, so the same name typed with composed or decomposed umlauts,
    or with a trailing blank, links. Nothing else is normalised: ids and phone numbers are taken as given.
    """
    text = unicodedata.normalize("NFC", value).strip()
    mac = key.mac(_PSEUDONYM_TAG + text.encode("utf-8"))[:MAC_BYTES]
    return f"{PSEUDONYM_PREFIX}.{key.kid}.{_base32(mac)}"


def id_key_names(domains: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The id keys (key-ring names) that ``domains`` need besides their own keys."""
    return tuple(ID_KEYS[d][0] for d in domains if d in ID_KEYS)


def field_keys(keys: KeyRing, domain: str) -> Mapping[str, SecretKey]:
    """``<kind>.<path>`` -> the key that pseudonymises it for ``domain`` when it is not the domain's active key:
    the active id key of ``ID_KEYS``. Empty when the ring holds no id key (key rings made by hand in tests; the
    stage's ring always has it, ``hub.privacy.setup.stage_keys``)."""
    name, fields = ID_KEYS.get(domain, ("", frozenset()))
    if name not in keys.domains:
        return {}
    key = keys.for_domain(name).active
    return dict.fromkeys(fields, key)


def _base32(mac: bytes) -> str:
    """RFC 4648 base32 of 16 bytes, lower case, unpadded (26 characters); twice as fast as ``base64.b32encode``."""
    bits = int.from_bytes(mac, "big") << 2  # 128 bits padded to 130, as base32 pads the last group
    return "".join([_B32_PAIRS[(bits >> shift) & 0x3FF] for shift in range(120, -1, -10)])


def is_pseudonym(text: str) -> bool:
    """Whether ``text`` has the form of a hub pseudonym."""
    return _PSEUDONYM_RE.match(text) is not None


def pseudonym_kid(text: str) -> str | None:
    """The key id a pseudonym was made with, or None when ``text`` is not a pseudonym."""
    return text.split(".")[1] if is_pseudonym(text) else None


def keyed_event_id(original_id: str, domain: str, key: SecretKey) -> str:
    """The id of the share of event ``original_id`` for ``domain``: a UUID (version 8, RFC 9562) from a MAC.

    Stable for the same event, domain and key, so redelivered shares are idempotent. Keyed rather than a plain
    UUIDv5, because the canonical id is itself a UUIDv5 of the source record id, which may hold a call sign:
    an unkeyed chain could be brute-forced back to it.
    """
    h = key.mac(_EVENT_ID_TAG + f"{domain}\x00{original_id}".encode())[:16].hex()
    # ``str(uuid.UUID(bytes=mac))`` written out (a UUID object per share costs more than the MAC), with version 8
    # (custom: byte 6's high nibble 8) and the RFC 4122/9562 variant (byte 8's top bits 10) set on the hex digits.
    return f"{h[:8]}-{h[8:12]}-8{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:]}"
