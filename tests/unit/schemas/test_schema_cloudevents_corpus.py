"""The real CloudEvents spec examples in the shared corpus: each parses or is refused for a stated reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.errors import InvalidEventError
from hub.schemas import CloudEvent

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "cloudevents" / "spec-examples"

# Only the .json files are structured-mode JSON; the .txt/.yaml files are protocol transcripts (binary mode,
# or with "..." elisions) and not parseable documents. Every spec example is refused by the hub: it lacks the
# hub extensions, and ours is stricter than the spec on purpose.
EXPECTED: dict[str, list[str]] = {
    "json-format-example-01.json": ["data_base64"],
    "json-format-example-05.json": [
        "hubkind: Field required",
        "hubsourceid: Field required",
        "(event): holds a field that is not permitted",
    ],
    "json-format-example-07.json": ["data: Input should be a valid dictionary", "hubkind: Field required"],
    "json-format-example-09.json": ["data: Input should be a valid dictionary", "hubkind: Field required"],
    "json-format-example-13.json": ["batch"],
    "json-format-example-14-empty-batch.json": ["batch"],
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared CloudEvents corpus not present at {CORPUS}")


def test_every_json_example_is_covered() -> None:
    """The expectations list exactly the corpus's JSON files, so a new file cannot slip by untested."""
    assert sorted(p.name for p in CORPUS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_is_refused_for_the_stated_reasons(name: str) -> None:
    """Each spec example is refused with InvalidEventError whose reason names every stated cause."""
    with pytest.raises(InvalidEventError) as info:
        CloudEvent.from_bytes((CORPUS / name).read_bytes())
    for words in EXPECTED[name]:
        assert words in info.value.reason


def test_spec_example_parses_once_it_carries_hub_extensions() -> None:
    """Example 05 fails only on hub rules: with hub extensions and without foreign ones it parses."""
    doc = json.loads((CORPUS / "json-format-example-05.json").read_bytes())
    for foreign in ("comexampleextension1", "comexampleothervalue"):
        del doc[foreign]
    doc |= {"hubkind": "incident", "hubsourceid": "C234"}
    event = CloudEvent.from_bytes(json.dumps(doc).encode())
    assert (event.id, event.source, event.subject) == ("C234-1234-1234", "/mycontext", None)
    assert event.data == {"appinfoA": "abc", "appinfoB": 123, "appinfoC": True}
