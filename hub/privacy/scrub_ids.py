"""Identity document and registration numbers in German free text: Personalausweis, Reisepass, Steuer-ID,
Sozialversicherungsnummer, Führerschein, vehicle identification number (FIN/VIN).

After a cue word ("Ausweis-Nr.", "Reisepass", "Steuer-ID", "FIN") the number that follows is taken whatever its
format, since foreign documents have their own; without a cue only numbers whose structure proves them are taken:
a Steuer-ID whose ISO 7064 check digit holds (``python-stdnum``), a Sozialversicherungsnummer with a valid birth
date, a 17-character VIN. Pure; never raises on odd input.
"""

from __future__ import annotations

import re

from stdnum.de import idnr

Found = tuple[int, int]

_CUE = re.compile(
    r"\b(?=[PpAaSsRrFfVvIiDdKk])(?i:(?<![\w-])(?:personalausweis|ausweis|perso|reisepass|pass|steuer-?id|steuer-?identifikationsnummer|idnr"
    r"|steuernummer|sv|rv|sozialversicherungs|rentenversicherungs|führerschein|fahrgestell"
    r"|fahrzeug-?identifi(?:zierungs|kations)|aufenthaltstitel|aufenthaltserlaubnis|aufenthaltsgestattung|duldung"
    r"|ankunftsnachweis|versicherten|krankenversicherten|krankenversicherungs|kv)(?:-?nummer|-?nr\.?|-?no\.?)?)"
    r"|(?<![\w-])(?:PA|FIN|VIN)(?:-?Nr\.?)?"
    r"(?=[\s:.(#-])"
)
# What may stand between the cue and the number.
_FILLER = re.compile(
    # A lower-case word and a comma may come first ("Reisepass syrisch, Nr. ...").
    r"(?:[ \t]+[a-zäöü]+,(?=[ \t]*(?:Nr|Nummer|No)))?"
    r"(?:[ \t]*(?::|\(|#|Nr\.?|Nummer|No\.?|mit der Nummer|der Nummer|des Beschuldigten|der Beschuldigten"
    r"|des Geschädigten|der Geschädigten|lautet|lautete|ist|war|lautend auf)[ \t]*)*[ \t]*"
)
# The number: groups of capitals and digits, split by single blanks or hyphens ("12 150780 M 123").
_VALUE = re.compile(r"[A-Z0-9]{1,20}(?:[ -](?:[A-Z]|[A-Z0-9]*\d[A-Z0-9]*)(?!\w))*(?![\w])")
_MIN_CHARS, _MAX_CHARS = 6, 20

_TAX_ID = re.compile(r"(?<![\w+/.-])[1-9]\d(?:[ ]?\d{3}){3}(?![\w/.,-]\w|\w)")
_SOCIAL = re.compile(
    r"(?<![\w/.-])\d{2}[ ]?(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[ ]?[A-Z][ ]?\d{2}[ ]?\d(?![\w-])"
)
_VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b(?!-)")


def _cued(text: str) -> list[Found]:
    found = []
    for cue in _CUE.finditer(text):
        filler = _FILLER.match(text, cue.end())
        start = filler.end() if filler else cue.end()
        m = _VALUE.match(text, start)
        if m is None:
            continue
        value = m.group()
        chars = sum(c.isalnum() for c in value)
        if _MIN_CHARS <= chars <= _MAX_CHARS and any(c.isdigit() for c in value):
            found.append((m.start(), m.end()))
    return found


def _vin_like(value: str) -> bool:
    letters = sum(c.isalpha() for c in value)
    digits = sum(c.isdigit() for c in value)
    return letters >= 2 and digits >= 4 and value[-4:].isdigit()


def find_id_numbers(text: str) -> list[Found]:
    """ID card, passport, tax, social-insurance, driving-licence and vehicle identification numbers."""
    found = _cued(text)
    found += [m.span() for m in _TAX_ID.finditer(text) if idnr.is_valid(m.group().replace(" ", ""))]
    found += [m.span() for m in _SOCIAL.finditer(text)]
    found += [m.span() for m in _VIN.finditer(text) if _vin_like(m.group())]
    return found
