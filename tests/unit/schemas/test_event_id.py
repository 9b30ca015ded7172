"""``event_id`` writes its name and its UUID without ``json.dumps`` and ``uuid.UUID`` (issue 13: they cost the
normaliser some 5 us an event): the ids are the same as those ways made them, for every string, a lone surrogate,
quotes, backslashes and control characters among them."""

from __future__ import annotations

import hashlib
import json
import uuid

from hypothesis import given
from hypothesis import strategies as st

from hub.schemas import HUB_EVENT_NAMESPACE, event_id


def _the_way_it_was(source: str, source_record_id: str, kind: str) -> str:
    name = json.dumps([source, source_record_id, kind], ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha1(HUB_EVENT_NAMESPACE.bytes + name.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return str(uuid.UUID(bytes=digest.digest()[:16], version=5))


# Any code point, lone surrogates often (st.text leaves them out by default), and what JSON escapes.
ANY_TEXT = st.text(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, codec=None, exclude_categories=()),
        st.sampled_from('"\\/\x00\n\x7f'),
    ),
    max_size=40,
)


@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
def test_event_ids_are_made_as_before(source: str, source_record_id: str, kind: str) -> None:
    assert event_id(source, source_record_id, kind) == _the_way_it_was(source, source_record_id, kind)


def test_event_ids_of_tricky_strings_are_made_as_before() -> None:
    for text in ('"quoted"', "back\\slash", "tab\tnewline\n\x00\x1f", "\ud800 lone", "🚋 Straße", "", "\u2028"):
        assert event_id(text, text, "incident") == _the_way_it_was(text, text, "incident")
        assert uuid.UUID(event_id(text, "E-1", "incident")).version == 5
