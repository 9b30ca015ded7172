"""Keyed pseudonyms and share ids: format, determinism inside a domain, unlinkability across domains and key ids."""

from __future__ import annotations

import base64
import unicodedata
import uuid

from hypothesis import given
from hypothesis import strategies as st

from hub.privacy.keys import SecretKey, demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import (
    MAX_PSEUDONYM_LENGTH,
    is_pseudonym,
    keyed_event_id,
    pseudonym_kid,
    pseudonymise,
)

RING = demo_keyring(DOMAINS)
K1 = SecretKey("k1", b"\x01" * 32)
K2 = SecretKey("k2", b"\x01" * 32)  # same secret, other id: the id alone must not be what differs
K3 = SecretKey("k3", b"\x03" * 32)

values = st.text(min_size=1, max_size=80).filter(lambda s: s.strip() != "")
domain_pairs = st.tuples(st.sampled_from(DOMAINS), st.sampled_from(DOMAINS)).filter(lambda p: p[0] != p[1])


def test_format_and_length() -> None:
    """A pseudonym is ``ps1.<kid>.<26 base32 chars>``, recognised as such, and no longer than the declared maximum."""
    pseudonym = pseudonymise("+49 30 23125 123", K1)
    assert pseudonym.startswith("ps1.k1.")
    assert len(pseudonym.split(".")[2]) == 26
    assert is_pseudonym(pseudonym)
    assert pseudonym_kid(pseudonym) == "k1"
    longest = pseudonymise("x", SecretKey("k" * 16, b"\x05" * 32))
    assert len(longest) == MAX_PSEUDONYM_LENGTH
    assert not is_pseudonym("Erika Mustermann")
    assert pseudonym_kid("ps1.k1.short") is None


@given(st.binary(min_size=1, max_size=64))
def test_mac_part_is_standard_base32(value: bytes) -> None:
    """The MAC part is RFC 4648 base32 (lower case, unpadded) of the first 16 MAC bytes, decodable by anyone."""
    text = value.decode("utf-8", "replace")
    mac_part = pseudonymise(text, K1).split(".")[2]
    expected = K1.mac(b"hub-pseudonym\x00" + unicodedata.normalize("NFC", text).strip().encode())[:16]
    assert base64.b32decode(mac_part.upper() + "======") == expected


@given(values, st.sampled_from(DOMAINS))
def test_same_value_same_pseudonym_within_domain(value: str, domain: str) -> None:
    """Inside one domain the same value always gives the same pseudonym (linkable within the domain)."""
    key = RING.for_domain(domain).active
    assert pseudonymise(value, key) == pseudonymise(value, key)
    assert is_pseudonym(pseudonymise(value, key))


@given(values, domain_pairs)
def test_same_value_differs_across_domains(value: str, pair: tuple[str, str]) -> None:
    """The same value gives unrelated pseudonyms in two domains (no linking across domains)."""
    a, b = (RING.for_domain(d).active for d in pair)
    assert pseudonymise(value, a).split(".")[2] != pseudonymise(value, b).split(".")[2]


@given(values)
def test_same_value_differs_across_key_ids(value: str) -> None:
    """After a rotation the same value gets another pseudonym: both the key id and the MAC change."""
    one, three = pseudonymise(value, K1), pseudonymise(value, K3)
    assert one != three
    assert one.split(".")[2] != three.split(".")[2]
    assert pseudonymise(value, K2).split(".")[1] == "k2"


@given(values, values)
def test_different_values_differ(a: str, b: str) -> None:
    """Two different values (after normalisation) never share a pseudonym under one key."""
    if unicodedata.normalize("NFC", a).strip() != unicodedata.normalize("NFC", b).strip():
        assert pseudonymise(a, K1) != pseudonymise(b, K1)


def test_unicode_forms_and_blanks_link() -> None:
    """Composed and decomposed umlauts and surrounding blanks give the same pseudonym; case does not."""
    assert pseudonymise("Jürgen", K1) == pseudonymise("Ju\u0308rgen ", K1)
    assert pseudonymise("Jürgen", K1) != pseudonymise("jürgen", K1)


def test_pseudonym_is_not_a_plain_hash() -> None:
    """Without the key the pseudonym cannot be recomputed: another key, another result for a guessed value."""
    guess = "Erika Mustermann"
    assert pseudonymise(guess, K1).split(".")[2] != pseudonymise(guess, K3).split(".")[2]


@given(st.uuids().map(str), domain_pairs)
def test_share_ids_stable_per_domain_and_distinct_across(event_id: str, pair: tuple[str, str]) -> None:
    """A share id is the same for the same event and domain, differs across domains, and is a version-8 UUID in its
    canonical text form (lower-case hex, 8-4-4-4-12)."""
    a_key, b_key = (RING.for_domain(d).active for d in pair)
    first = keyed_event_id(event_id, pair[0], a_key)
    assert first == keyed_event_id(event_id, pair[0], a_key)
    assert first != keyed_event_id(event_id, pair[1], b_key)
    assert first != event_id
    parsed = uuid.UUID(first)
    assert parsed.version == 8
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == first


@given(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(DOMAINS),
    st.sampled_from([K1, K3]),
)
def test_share_id_is_the_uuid_of_the_mac_with_version_and_variant_set(
    event_id: str, domain: str, key: SecretKey
) -> None:
    """The id is the first 16 MAC bytes as a UUID, byte 6 set to version 8 and byte 8 to the RFC 4122 variant, and
    nothing else changed (the id written out from hex digits equals ``uuid.UUID`` of the bytes so changed)."""
    mac = bytearray(key.mac(b"hub-share-id\x00" + f"{domain}\x00{event_id}".encode())[:16])
    mac[6] = (mac[6] & 0x0F) | 0x80
    mac[8] = (mac[8] & 0x3F) | 0x80
    assert keyed_event_id(event_id, domain, key) == str(uuid.UUID(bytes=bytes(mac)))


def test_share_id_depends_on_domain_even_with_one_key() -> None:
    """Even a key reused by mistake for two domains gives different share ids, since the domain is MACed too."""
    assert keyed_event_id("e1", "havag", K1) != keyed_event_id("e1", "analytics", K1)
