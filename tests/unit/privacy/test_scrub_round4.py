"""The scrubber's fourth-round rules (issue 12): each with what it must find and the traps it must leave alone.

The rules go by structure, not by the values of the fourth development set: abbreviated origin words by their shape
and by the description they stand in, plates by their parts and separators, names by their position (lists after a
streetwork cue, a name repeated later in the same text, a word before a bracketed role).
"""

from __future__ import annotations

import pytest

from hub.privacy.scrub import scrub


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.category) for s in scrub(text).spans]


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("3 Pers. (eritr.) streiten", "eritr."),  # the start of a nationality adjective, in brackets
        ("1 Pers. (südosteurop.) flüchtig", "südosteurop."),
        ("Tatv. m., ca. 30, georg., flüchtig Ri. Zoo", "georg."),  # between commas after sex and age
        ("Fahrgast zahlt nicht, poln., ca. 45", "poln."),  # before an age
        ("Platzverweis Razvan und Florin, beide rum., Hst. Steintor", "rum."),  # after "beide"
        ("Kontrolle Imbiss, Inh. Sadowski (ghan. StA), Hygiene ok", "ghan."),  # before "StA" inside a bracket
        ("Zeuge sah afgh. Jugendl. weglaufen", "afgh."),  # before an abbreviated person noun
        ("Täter arab. aussehend, flüchtig", "arab."),  # before "aussehend"
        ("Klient Gordon (brit.) bettelt mit Hund", "brit."),
    ],
)
def test_abbreviated_origin_words_by_shape_and_description(text: str, origin: str) -> None:
    """An abbreviation that starts a nationality or looks adjective counts where it describes a person."""
    assert (origin, "ORIGIN") in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Zeuge Agyemang sen., ca. 80, verwirrt",  # "sen." is senior, not Senegalese
        "schon 3 mal. ca. 20 Min. gewartet",  # "mal." is no "malisch"
        "Fahrplan ab Mon. 12 Uhr",  # "Mon." is Monday
        "spricht Ital. und Franz., Dolmetscher nicht nötig",  # no person description around
        "Pers. schw. verletzt, ca. 40",  # "schw." is severe, not Swiss or black
        "ca. 30 J., nord. Richtung geflohen",
    ],
)
def test_abbreviations_that_are_other_words_stay(text: str) -> None:
    """Prefixes that are everyday abbreviations, and origin abbreviations outside a person's description."""
    assert not [s for s in scrub(text).spans if s.category == "ORIGIN"], _found(text)


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("Pkw HAL  AE  501 seit 3 Tagen auf Sperrfläche", "HAL  AE  501"),  # double blanks
        ("Pkw L.AB.123 auf Gleis", "L.AB.123"),  # dots
        ("Wg 672: Pkw SK.UU.41 versperrt Weiche", "SK.UU.41"),
        ("Hallo, Kennzeichen war hal ab 123, schwarzer SUV", "hal ab 123"),  # lower case inside the cue's gap
        ("Kennz. des Täters HALXY 12, Ri. Trotha", "HALXY 12"),  # after "des <noun>s"
        ("Kleinkraftrad Vers.-Kennz. 421 KLM, Fahrer flüchtig", "421 KLM"),  # moped plate after "Vers.-Kennz."
        ("Transporter PL: WX 12345, Fahrer flüchtig", "WX 12345"),  # country code and colon stay outside
        ("Lkw (CZ) 1SB 4922 an der Oberleitung", "1SB 4922"),
    ],
)
def test_plates_in_more_spellings(text: str, plate: str) -> None:
    """German plates with dots or double blanks, lower-case plates after "Kennzeichen war", foreign plates after a
    country code with a colon or in brackets."""
    assert (plate, "PLATE") in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kennzeichen war weg 12 Minuten lang",  # a word and a number are no lower-case plate
        "Pkw des Nachbarn steht seit 3 Tagen dort",
        "Abfahrt 12.30 Uhr, Gleis 4",
        "Version B.A.12 installiert",
        "Kennzeichen nicht erkannt, ca. 3 Pers. im Auto",
    ],
)
def test_plate_look_alikes_stay(text: str) -> None:
    assert not [s for s in scrub(text).spans if s.category == "PLATE"], _found(text)
