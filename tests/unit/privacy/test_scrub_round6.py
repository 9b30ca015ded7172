"""The scrubber's sixth-round rules (issue 12): what messages, emergency-call notes, social posts, citizens' e-mails
and drivers' radio notes write, and the traps each rule must leave alone.

The sentences are this file's own (written for these rules; none is a line of a held-out set). The rules go by
structure: a message opening with a given name and a verb, names after messenger cues ("ruf mal", "gruß von"),
what people call each other ("ruft ihn immer ..."), a lower-case sign-off of given name and surname, a plate after a
car's make, a short or country-named origin word in lower case after an article or count, an ID number after a
lower-case "nummer", a street named with an adjective after its prefix ("Am Hohen Ufer 4").
"""

from __future__ import annotations

import pytest

from hub.privacy.scrub import scrub


def _found(text: str, *, statistical: bool = False) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.category) for s in scrub(text, statistical=statistical).spans]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("karin ist heute nicht da, ich übernehme", [("karin", "NAME")]),  # a message opening with name and verb
        ("lars holt die schlüssel um 8 ab", [("lars", "NAME")]),
        ("sabrina und kevin kommen später", [("sabrina", "NAME"), ("kevin", "NAME")]),
        ("grüße von ahmed und yusuf aus der spätschicht", [("ahmed", "NAME"), ("yusuf", "NAME")]),
        ("schreib mal dariusz wegen der schichten", [("dariusz", "NAME")]),
        ("kennt jemand svetlana aus dem 3. stock?", [("svetlana", "NAME")]),
        ("gib mir die nummer von jannik bitte", [("jannik", "NAME")]),
        ("Tw 1131: zwei Männer, einer ruft den anderen immer Hoschi", [("Hoschi", "NAME")]),
        ("alle in der Gruppe nennen ihn nur Panther", [("Panther", "NAME")]),
        ("bitte um rückruf wegen dem lärm, mehmet yilmaz", [("mehmet yilmaz", "NAME")]),  # lower-case sign-off
        ("der kaputte Briefkasten gehört zur Wohnung, Klingel bei Osei", [("Osei", "NAME")]),
        ("Mit freundlichen Grüßen, i.A. B. Nowak, Hausverwaltung", [("B. Nowak", "NAME")]),
        ("AN: Ehepaar Tran meldet Einbruch im Laden", [("Tran", "NAME")]),
        ("anruferin sagt die familie kowalski streitet wieder", [("kowalski", "NAME")]),
    ],
)
def test_names_in_messages_and_calls(text: str, values: list[tuple[str, str]]) -> None:
    """Names that chat messages, emergency-call notes and e-mails announce by their own cues."""
    found = _found(text)
    for value in values:
        assert value in found, found


@pytest.mark.parametrize(
    "text",
    [
        "heute ist wieder stress am zoo",  # a word, not a name, before the verb
        "hat jemand bock auf kino",
        "wer ist zuständig für die haltestelle",
        "sie rufen sich Hilfe, die Tür klemmt",  # a noun after "rufen sich"
        "er ruft ihn immer Bruder",
        "die frau hat gerufen, dann war ruhe",  # an article makes "frau" a noun
        "ruf mal an wenn du da bist",
        "bus ist weg, nehm die 5",
    ],
)
def test_message_cues_leave_words_alone(text: str) -> None:
    """Words after the new cues that no list knows as a name, and nouns after "rufen sich", stay."""
    assert not [s for s in scrub(text, statistical=False).spans if s.category == "NAME"], _found(text)


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("ein grauer Opel B 412 KXT stand vor der Tür", "B 412 KXT"),  # a Romanian plate after the make
        ("der schwarze bmw halrk55 rast jede nacht hier lang", "halrk55"),  # lower case, no separators
        ("roter Skoda 5AK 2291 mit Anhänger", "5AK 2291"),
        ("Sein Auto mit BC 4412 HK steht in der Einfahrt", "BC 4412 HK"),
    ],
)
def test_plates_after_a_make(text: str, plate: str) -> None:
    """After a car's make a German plate in any spelling, or two groups of letters and digits."""
    assert (plate, "PLATE") in _found(text)


@pytest.mark.parametrize(
    "text",
    ["Audi A4 Avant, silber", "BMW X5 M gesehen", "Golf 7 GTI vor dem Haus", "ein Mercedes Sprinter 316 CDI"],
)
def test_models_after_a_make_stay(text: str) -> None:
    """A model name or engine after the make is no plate."""
    assert not [s for s in scrub(text, statistical=False).spans if s.category == "PLATE"], _found(text)


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("täter ist der pole aus dem hinterhaus", "pole"),
        ("die zwei polen vom bau haben geholfen", "polen"),
        ("ein ire hat den hund gefunden", "ire"),
    ],
)
def test_short_lower_case_origin_words_after_an_article(text: str, origin: str) -> None:
    """Lower-case origin nouns that are short or a country's name count after an article or a count."""
    assert (origin, "ORIGIN") in _found(text)


@pytest.mark.parametrize("text", ["wir fahren im sommer nach polen", "die pole am nordpol schmelzen nicht"])
def test_country_names_in_lower_case_stay(text: str) -> None:
    """A country after a preposition, and a noun without an article right before, stay."""
    found = _found(text)
    assert ("polen", "ORIGIN") not in found
    assert ("pole", "ORIGIN") not in found


def test_an_id_number_after_a_lower_case_nummer() -> None:
    """Radio and chat notes: "ausweis verloren, nummer ..." (an ID card's number)."""
    text = "fahrgast hat seinen ausweis verloren, nummer T22000129, bitte melden"
    assert ("T22000129", "IDNUMBER") in _found(text)
    assert not [v for v in _found("pass kontrolliert, nummer unbekannt") if v[1] == "IDNUMBER"]


def test_a_street_named_with_an_adjective() -> None:
    """ "Am Hohen Ufer 4": a capitalised adjective after the prefix makes the common noun a street; a weekday after a
    bare prefix stays a date ("Am Montag 3 Männer")."""
    assert ("Am Hohen Ufer 4", "ADDRESS") in _found("Täter noch in der Wohnung, Am Hohen Ufer 4, 2. OG")
    assert ("Am Alten Markt 12", "ADDRESS") in _found("wohnt Am Alten Markt 12")
    assert not [v for v in _found("Am Montag 3 Männer am Zoo") if v[1] == "ADDRESS"]


def test_a_pets_name_is_no_persons_name() -> None:
    """ "heißt" after an animal names the animal; after a person with an animal, or the animal's keeper, a person."""
    assert not [v for v in _found("Kater entlaufen! Er heißt Mikesch und ist schwarz") if v[1] == "NAME"]
    assert ("Kowalski", "NAME") in _found("der Mann mit dem Hund heißt Kowalski")
    assert ("Kowalski", "NAME") in _found("Halter vom Hund heißt Kowalski")
    assert ("Ewa Nowak", "NAME") in _found("Katze zugelaufen, die Besitzerin heißt Ewa Nowak")


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("der 20-jährige Schwede wurde festgenommen", "Schwede"),
        ("zwei Japaner fotografieren am Markt", "Japaner"),
        ("Täter kanadischer Staatsangehöriger", "kanadischer"),
        ("Täter ostasiatisch aussehend, ca. 30", "ostasiatisch"),
        ("Zeuge: Jeside, 25 J.", "Jeside"),
    ],
)
def test_more_nationalities(text: str, origin: str) -> None:
    """Nationality nouns and adjectives the lists lacked (Scandinavian, East Asian, American, Yazidi, ...)."""
    assert (origin, "ORIGIN") in _found(text)


@pytest.mark.parametrize(
    "text",
    ["persischer Teppich gestohlen", "Pers. ca. 40, beschimpft Fahrgäste", "ein Perser liegt im Flur", "Taxi und Pkw"],
)
def test_new_nationality_words_leave_things_alone(text: str) -> None:
    """An adjective for a thing, "Pers." (a person, not "persisch") and a rug stay."""
    assert not [v for v in _found(text) if v[1] == "ORIGIN"], _found(text)
