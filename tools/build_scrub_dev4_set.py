"""Build the scrubber's fourth development set, tests/data/scrub_dev4_de.jsonl (issue 12, fourth round).

Run: .venv/bin/python -m tools.build_scrub_dev4_set
Written apart from the first three sets, from the scrubber's lists and without looking at any held-out set, to probe
what round three's held-out aggregates point at (names 0.905, plates 0.918, origin 0.931; control-room shorthand,
tram radio and Ordnungsamt/streetwork notes weakest): names of many origins after role words and titles, names in
lower case, nicknames, surnames that are also common words, a name seen earlier repeated by its given name or
surname alone, plates in every spelling (foreign, partial, lower case, dotted, spaced, moped), origin and age words
abbreviated. Traps must stay. Hand-written sentences are in tests/data/scrub_dev4_de.src.txt; the templates, name
pools and plate formats below are this file's own. Seeded: the output is the same every run.
"""

# ruff: noqa: S311  -- the seed only makes the set stable.

from __future__ import annotations

import random
import re
from pathlib import Path

from tools.build_scrub_dev_set import Values, _pool, assemble, write

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "scrub_dev4_de.src.txt"
OUTPUT = ROOT / "tests" / "data" / "scrub_dev4_de.jsonl"

FULL = """
Kwesi Adomako|Ama Serwaa Boakye|Ifeoma Chukwu|Babatunde Oyewole|Aissatou Baldé|Modou Jobe|Fanta Kouyaté|Boubacar Sy
Zdzisław Pietrzyk|Bożena Kwiatkowska|Mirosław Sadowski|Urszula Cieślak|Janusz Ostrowski|Teresa Wawrzyniak
Costin Mureșan|Nicoleta Ardeleanu|Viorel Tănase|Daniela Georgescu|Petru Roman|Mădălina Jitaru
Abdulrahman Al-Masri|Hanan Abu Salem|Yahya Qasem|Rami El-Khatib|Nadia Ben Ali|Walid Haj Ahmad
Ignacio Vidal Serrano|Marta Ibáñez Prieto|Andrés Cano Fuentes|Lorena Bravo Pascual|Diego Herrero Soto
Heiko Storch|Manuela Hecht|Detlef Frost|Ramona Adler|Silvio Mai|Kerstin Bär
"""
ROLES = """
Anruferin Zeuge Zeugin Mitteiler Geschädigte Beschuldigter Tatverdächtiger Klient Klientin Fahrgast Anwohner Halterin
Betroffene Verursacher Melder Hinweisgeberin Beteiligter Begleiter Inhaber Anr. Mitt. Zg. Tatv. Gesch. Pers.
"""
WORD_SURNAMES = "Koch Fischer Bauer Vogel Fuchs Hahn Kurz Lang Klein Braun Winter Engel Stein Busch König Kaiser Jäger"
WORD_SURNAMES += " Meister Richter Schuster Roth Graf Ernst Haas Mai Bär Storch Hecht Adler Frost Fromm Sauer"
NICKS = "Pfeife Krücke Spargel Tarzan Rambo Hansi Jupp Bärchen Blacky Mausi Zottel Keks Schorle Pumuckl Floh Motte"
LOWER = "dariusz|ionela|kwame|fatou diop|rafael gómez|marek zając|leonie bauer|ahmed saleh|ovidiu|janina|cheikh"
ORIGIN_ABBR = """
syr.|afgh.|irak.|iran.|eritr.|somal.|tunes.|marokk.|alger.|rum.|bulg.|poln.|ukr.|russ.|georg.|alb.|kosov.|serb.
türk.|kurd.|viet.|ghan.|gamb.|sudan.|dt.|südl.|osteurop.|nordafr.|arab.|afrik.|asiat.|südosteurop.|Syr.|Rum.|Afgh.
"""
STOPS = "Rennbahnkreuz|Steintor|Franckeplatz|Reileck|Hallmarkt|Saline|Zoo|Glauchaer Platz|Soltauer Straße|Heide"
CALLS = "Leo 13/2|Leo 22/4|Saale 11/3|Florian Halle 3/44-1|Christoph 36"
DISTRICTS = ("HAL", "SK", "MQ", "MER", "L", "BLK", "WB", "SLK", "B", "DE")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


class Pools:
    """This builder's own slot values; the phone, date, ID-number and address formats are the first builder's."""

    def __init__(self, values: Values) -> None:
        self.v = values
        self.r = values.rng
        self.full = _pool(FULL, "|")
        self.roles = _pool(ROLES)
        self.words = _pool(WORD_SURNAMES)
        self.nicks = _pool(NICKS)
        self.lower = _pool(LOWER, "|")
        self.abbr = _pool(ORIGIN_ABBR, "|")
        self.stops = _pool(STOPS, "|")
        self.calls = _pool(CALLS, "|")
        self.current = ["", ""]

    def _letters(self, n: int) -> str:
        return "".join(self.r.choice(LETTERS) for _ in range(n))

    def _digits(self, lo: int, hi: int) -> str:
        return str(self.r.randint(lo, hi))

    def plate(self) -> str:
        """A German plate in one of the spellings people write."""
        code, letters, number = self.r.choice(DISTRICTS), self._letters(self.r.choice((1, 2))), self._digits(1, 999)
        forms = (
            f"{code}-{letters} {number}", f"{code} {letters} {number}", f"{code} {letters}{number}",
            f"{code}{letters}{number}".lower(), f"{code}-{letters} {number}".lower(), f"{code}.{letters}.{number}",
            f"{code}  {letters}  {number}", f"{code}-{letters}{number}", f"{code}-{letters}-{number}",
        )  # fmt: skip
        return f"[PLATE:{self.r.choice(forms)}]"

    def foreign(self) -> str:
        """A foreign plate and its country code (the code stays outside the span)."""
        r, d, a = self.r, self._digits, self._letters
        forms = (
            ("PL", f"W{a(2)} {d(10000, 99999)}"), ("PL", f"P{a(1)} {d(1, 9)}{a(2)}{d(10, 99)}"),
            ("CZ", f"{d(1, 9)}{a(1)}{d(1, 9)} {d(1000, 9999)}"), ("RO", f"B {d(100, 999)} {a(3)}"),
            ("BG", f"C{a(1)} {d(1000, 9999)} {a(2)}"), ("UA", f"A{a(1)} {d(1000, 9999)} {a(2)}"),
            ("NL", f"{d(10, 99)}-{a(3)}-{d(1, 9)}"), ("F", f"{a(2)}-{d(100, 999)}-{a(2)}"),
            ("A", f"W-{d(10000, 99999)}{a(1)}"), ("I", f"{a(2)} {d(100, 999)} {a(2)}"),
            ("LT", f"{a(3)} {d(100, 999)}"), ("H", f"{a(3)}-{d(100, 999)}"), ("CH", f"ZH {d(10000, 999999)}"),
            ("DK", f"{a(2)} {d(10, 99)} {d(100, 999)}"),
        )  # fmt: skip
        country, value = r.choice(forms)
        return f"[PLATE:{value}] ({country})"

    def partial(self) -> str:
        """The known part of a plate, in the ways a witness writes that the rest is missing."""
        code, letters = self.r.choice(DISTRICTS), self._letters(self.r.choice((1, 2)))
        return self.r.choice(
            (f"[PLATE:{code}-{letters}]…", f"beginnt mit [PLATE:{code}-{letters}]", f"[PLATE:{code}-{letters}] ...",
             f"[PLATE:{code} {letters}] (Rest unbekannt)")
        )  # fmt: skip

    def remember(self) -> str:
        """A full name, kept so that {G1} and {S1} can repeat its given name or surname later in the sentence."""
        name = self.v.pick(self.full)
        parts = name.split()
        self.current = [parts[0], " ".join(parts[1:])]
        return f"[NAME:{name}]"

    def slot(self, key: str) -> str:
        v = self.v
        own = {
            "FN": lambda: f"[NAME:{v.pick(self.full)}]",
            "FN1": self.remember,
            "G1": lambda: f"[NAME:{self.current[0]}]",
            "S1": lambda: f"[NAME:{self.current[1]}]",
            "ROLE": lambda: v.pick(self.roles),
            "CW": lambda: f"[NAME:{v.pick(self.words)}]",
            "NK": lambda: f"[NAME:{v.pick(self.nicks)}]",
            "NKL": lambda: f"[NAME:{v.pick(self.nicks).lower()}]",
            "LN": lambda: f"[NAME:{v.pick(self.lower)}]",
            "OAB": lambda: f"[ORIGIN:{v.pick(self.abbr)}]",
            "PL": self.plate,
            "PF": self.foreign,
            "PP": self.partial,
            "TS": lambda: v.pick(self.stops),
            "CALL": lambda: v.pick(self.calls),
            "N2": lambda: str(self.r.randint(2, 4)),
        }
        if key in own:
            return own[key]()
        return v.slots()[key]()


TEMPLATES = """
@style leitstelle
{ROLE} {FN} meldet Streit im Treppenhaus, RR {P}
Tatv. m., ca. {AGE}, {OAB}, flüchtig Ri. {TS}
{N2} Pers. ({OAB}) und 1 Pers. ({OAB}) Schlägerei Hst. {TS}
Pkw {PL} steht auf Gleis, Hst. {TS}, {CALL} angef.
Lkw {PF} Unfall mit Tram, Hst. {TS}
Fluchtfz. Kennz. {PP}, Ri. {TS}
Anr. Hr. {CW} meldet, Nachbarin Fr. {CW} schreit seit Stunden
Anr. {FN1} meldet Einbruch; {G1} ruft später erneut an
{ROLE} {FN1}, *{D}; {S1} lehnt RTW ab
@style ordnungsamt
Streetwork {TS}: {NK}, {NK} und {NKL} angetroffen
Platzverweis {FN}, Hst. {TS}, {N2}. Mal diese Woche
Verwarngeld Pkw {PL}, Halter Hr. {CW}
Klient {G} ({OAB}), ca. {AGE}, sucht Notunterkunft
Ansprache {FN1}, {S1} lehnt Hilfe ab
Streetwork: {LN} und {LN} am {TS}, beide alkoh.
Kontrolle Imbiss, Inh. {FN} ({OAB} StA), Hygiene ok
@style funk
Wg {W}: Pkw {PL} im Gleis, Hst. {TS}
Wg {W} an LS: Fahrgast {FN} ohne Ticket, {OAB}, ca. {AGE}
LS an {W}: Kollege {CW} übernimmt ab Hst. {TS}
Wg {W}: Fahrgast nennt sich {NK}, pöbelt, Hst. {TS}
Wg {W}: Pkw {PF} blockiert Weiche, Hst. {TS}
@style leitstelle
{CALL} zur Hst. {TS}, Lage ruhig, keine Personalien
@style funk
Wg {W} an LS: Weiche gestört Hst. {TS}, L{L} verspätet
@style ordnungsamt
Kontrolle Hst. {TS}, keine Verstöße, Papierkörbe geleert
"""


def build() -> list[dict[str, object]]:
    """Every sentence of the set: the hand-written ones, then the templates, each expanded several times."""
    pools = Pools(Values(random.Random(4404)))

    def expand(template: str) -> str:
        return re.sub(r"\{([A-Z0-9]+)\}", lambda m: pools.slot(m.group(1)), template)

    return assemble(SOURCE, TEMPLATES, expand, "dev4")


def main() -> None:
    write(build(), OUTPUT)


if __name__ == "__main__":
    main()
