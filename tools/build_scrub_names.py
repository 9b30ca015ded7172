"""Derive the scrubber's compact world name lists (hub/data/names/) from the person providers of Faker (MIT), and
the German basic vocabulary that keeps lower-case words from being taken for names.

Run: .venv/bin/python -m tools.build_scrub_names   (needs ``faker``, a dev dependency; the hub never imports it)
Keeps given names and surnames written in Latin letters from the locales of the communities that live in Halle and
of Germany's neighbours, drops what the scrubber knows as an everyday word, sorts and writes one name a line. See
hub/data/names/PROVENANCE.md for the licence and the attribution.
"""

# ruff: noqa: RUF001  -- the Latin letter ranges include look-alikes on purpose.

from __future__ import annotations

import importlib
import re
from pathlib import Path

from faker import Generator

from hub.privacy.scrub_lexicon_places import halle_stop_words
from hub.privacy.scrub_lexicon_words import TITLES, never_names, roles


def _words(text: str) -> list[str]:
    return text.split()


OUT = Path(__file__).resolve().parents[1] / "hub" / "data" / "names"
LOCALES = _words(
    """
    de_DE de_AT de_CH cs_CZ sk_SK hu_HU hr_HR sl_SI ro_RO pl_PL lt_LT lv_LV et_EE es_ES es_MX es_CO es_AR es_CL
    pt_PT pt_BR
    it_IT fr_FR nl_NL en_US en_GB tr_TR az_AZ vi_VN id_ID en_NG yo_NG ig_NG ha_NG tw_GH zu_ZA sw en_KE en_PK fr_DZ
    """
)
_LATIN = re.compile(r"[A-Za-zÀ-ɏḀ-ỿ]+(?:['\-][A-Za-zÀ-ɏḀ-ỿ]+)*")
# Faker names that are everyday German words or the hub's own vocabulary; a name list must not make them names.
EXCLUDE = frozenset(
    _words(
        """
        Art Berg Bild Bock Bund Dank Ernst Frank Frieden Gold Hope Kind Klar Kurz Lang Lange Licht Link Mark Mai Meer
        Null Paris Rose Sand See Sonne Stein Sport Stern Tag Tor Wahl Wald Weg Will Winter Wolke Zeit Zoo Berlin Halle
        Linie Wagen Bus Tram Leo Florian Saale Pelikan Max Liebe Glück Heide Heil Holz Kraft Krug Kurt
        """
    )
) - {"Kurt", "Max", "Ernst", "Frank", "Lange", "Stern", "Winter"}


def _attr(provider: object, name: str) -> list[str]:
    try:
        value = getattr(provider, name)
    except (AttributeError, TypeError):
        return []
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def collect() -> tuple[set[str], set[str]]:
    """(given names, surnames) from every locale, Latin letters only, without everyday words."""
    given: set[str] = set()
    surnames: set[str] = set()
    blocked = never_names() | halle_stop_words() | roles() | TITLES | EXCLUDE
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider(Generator())
        for attr, target in (
            ("first_names", given),
            ("first_names_male", given),
            ("first_names_female", given),
            ("last_names", surnames),
            ("last_names_male", surnames),
            ("last_names_female", surnames),
        ):
            target.update(n for n in _attr(provider, attr) if _LATIN.fullmatch(n) and len(n) >= 2 and n not in blocked)
    return given, surnames


def german_words() -> set[str]:
    """Faker's German basic vocabulary (its de_DE lorem list), lower-cased: words a lower-case name never is."""
    words = importlib.import_module("faker.providers.lorem.de_DE").Provider.word_list
    return {w.lower() for w in words}


def main() -> None:
    given, surnames = collect()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, values in (("given.txt", given), ("surnames.txt", surnames), ("german_words.txt", german_words())):
        (OUT / name).write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
        print(f"{len(values)} -> {OUT / name}")


if __name__ == "__main__":
    main()
