"""Build the scrubber's third development set, tests/data/scrub_dev3_de.jsonl (issue 12, third round).

Run: .venv/bin/python -m tools.build_scrub_dev3_set
Written apart from the first two sets, from the scrubber's lists and without looking at the held-out set, to probe
what the held-out figures of round two point at: control-room shorthand and Ordnungsamt/streetwork notes; names of
many origins with particles and several parts, nicknames, names in lists, after verbs, in brackets, after slashes and
in capitals; plates and ID numbers in shorthand; origin words abbreviated. Traps (stop names, call signs, streets
without a number, company names) must stay. Hand-written sentences are in tests/data/scrub_dev3_de.src.txt; the
templates and name pools below are this file's own, the value formats (phones, plates, ID numbers) those of the
second builder. Seeded: the output is the same every run.
"""

# ruff: noqa: S311  -- the seed only makes the set stable.

from __future__ import annotations

import random
import re
from pathlib import Path

from tools.build_scrub_dev2_set import Values, _pool
from tools.build_scrub_dev_set import assemble, write

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "scrub_dev3_de.src.txt"
OUTPUT = ROOT / "tests" / "data" / "scrub_dev3_de.jsonl"
_EXPANSIONS = 7

MULTI_NAMES = """
Nguyen Thi Thu Trang|Tran Quoc Huy|Le Van Thanh|Hoang Thi Ngoc|Vu Duc Minh|Abu Bakr al-Hassan|Omar bin Khalid
Fatima al-Zahra Haddad|Abdel Rahman El-Sayed|Nour el-Din Karam|María José García López|Juan Carlos Pérez Ortiz
Ana Sofía Rodríguez Vidal|Francisco Javier Muñoz|João Pedro da Silva|Ana Paula dos Santos|Luís Miguel de Sousa
Ricardo Ferreira da Costa|Jan van der Berg|Anouk de Boer|Kees van Dam|Sanne van den Heuvel|Dirk ter Horst
Heinrich von Brandenstein|Clara von der Lühe|Amadou Ba Diallo|Mamadou Lamine Sow|Oluwaseun Adeyemi-Johnson
Siobhan O'Neill|Patrick McDermott|Giovanni Di Stefano|Francesca De Luca|Anh Tuan Pham|Kim Ngan Do
"""
NICKS = "Kalle Mecki Socke Atze Schnulli Hucky Rotti Bommel Kralle Ratte Dackel Mücke Piepe Eddy Hotte Kojak Tinte"
GIVEN_PLAIN = "Jonas Dimitri Jacqueline Nico Vanessa Ilias Mustafa Oskar Merve Dragan Kasia Ibo Lennart Svetlana Aylin"
SURNAMES_PLAIN = "Krüger Lindner Wendler Kaczmarczyk Ivanović Al-Amin Haidari Nowicki Oprea Szabó Lehmann Rößler Tietz"
ORIGIN_ABBR = "Syr.|Afgh.|Irak.|Marokk.|Alger.|Tun.|Rum.|Bulg.|Pol.|Türk.|Russ.|Ukr.|Erit.|Somal.|Alb.|Serb.|Viet."
TRAP_STOPS = "Am Leipziger Turm|Rennbahnkreuz|Franckeplatz|Steintor|Rosengarten|Kröllwitz|Reileck|Joliot-Curie-Platz"
CALL_SIGNS = "Leo 12/3|Leo 21/1|Florian Halle 1/83-1|Florian Halle 2/46-1|Christoph 36|Saale 14/2"


class Pools:
    """This builder's own slot values, on top of the second builder's."""

    def __init__(self, values: Values) -> None:
        self.v = values
        self.multi = _pool(MULTI_NAMES, "|")
        self.nicks = _pool(NICKS)
        self.given = _pool(GIVEN_PLAIN)
        self.surnames = _pool(SURNAMES_PLAIN)
        self.abbr = _pool(ORIGIN_ABBR, "|")
        self.stops = _pool(TRAP_STOPS, "|")
        self.calls = _pool(CALL_SIGNS, "|")

    def slot(self, key: str) -> str:
        v = self.v
        own = {
            "MN": lambda: f"[NAME:{v.pick(self.multi)}]",
            "MNC": lambda: self._surname_first(v.pick(self.multi)),
            "NK": lambda: f"[NAME:{v.pick(self.nicks)}]",
            "GP": lambda: f"[NAME:{v.pick(self.given)}]",
            "SP": lambda: f"[NAME:{v.pick(self.surnames)}]",
            "SU": lambda: f"[NAME:{v.pick(self.surnames).upper()}]",
            "OAB": lambda: f"[ORIGIN:{v.pick(self.abbr)}]",
            "TS": lambda: v.pick(self.stops),
            "CALL": lambda: v.pick(self.calls),
            "N2": lambda: f"{v.rng.randint(2, 4)}x",
        }
        if key in own:
            return own[key]()
        if key == "E":
            return v.email(v.pick(v.full))
        return v.slots()[key]()

    @staticmethod
    def _surname_first(name: str) -> str:
        parts = name.split()
        return f"[NAME:{parts[-1].upper()}, {' '.join(parts[:-1])}]"


TEMPLATES = """
@style leitstelle
{CALL}: Pers. {MN} angetroffen, *{D}, {TS}
Pers.-Fest. {MNC}, PA {PA}, {CALL} übernimmt
{N2} {OAB}, {N2} {OAB} Hst. {TS}, Streit, {CALL} angef.
Anr. {MN}, RR {P}, meldet Pkw {K} Ri. {TS}
Beteiligte: {GP}, {NK} und {SP}, alle alkoh., Hst. {TS}
Kfz {K} / Halter {MN} / FIN {VIN}
Zeuge {SU} ({GP}) sah Fluchtfz. {KP} Ri. {TS}
@style ordnungsamt
Streetwork {TS}: angetroffen {NK}, {NK} und {GP}
Platzverweis für Herrn {SP} und Frau {SP}, {TS}
Ansprache mit {GP} am {TS}, Unterbringung abgelehnt
angetroffen wurde {MN} ({AGE}), keine Papiere
OA: Personalien {MNC} / {D} / Ausweis {RP}
Verwarngeld Pkw {K}, Halterin {MN}, {A}
Kontrolle Imbiss, Inh. {MN}, Steuer-ID {ST}
Pers. {OAB} ({AGE}) bettelt am {TS}, {CALL} informiert
"""


def build() -> list[dict[str, object]]:
    """Every sentence of the set: the hand-written ones, then the templates, each expanded several times."""
    pools = Pools(Values(random.Random(1213)))

    def expand(template: str) -> str:
        return re.sub(r"\{([A-Z0-9]+)\}", lambda m: pools.slot(m.group(1)), template)

    return assemble(SOURCE, TEMPLATES, expand, "dev3")


def main() -> None:
    write(build(), OUTPUT)


if __name__ == "__main__":
    main()
