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
    r"(?<![\w-])(?:(?=[PpAaSsRrFfVvIiDdKk])(?i:personalausweis|ausweis|perso|reisepass|pass|steuer-?identifikationsnummer"
    r"|steuer-?id|idnr|steuernummer|sv|rv|sozialversicherungs|rentenversicherungs|führerschein|fahrerlaubnis"
    r"|fahrgestell|fahrzeug-?identifi(?:zierungs|kations)|aufenthaltstitel|aufenthaltserlaubnis|aufenthaltsgestattung"
    r"|duldung|ankunftsnachweis|versicherten|krankenversicherten|krankenversicherungs|kv|id-?karte|identitätskarte"
    r"|identity[ ]card)(?i:es|s)?"
    r"(?i:-?nummer|-?nr\.?|-?no\.?)?"
    r"|(?:PA|FIN|VIN)(?:-?Nr\.?|-Nummer)?|FS(?:-|[ ])Nr\.?)"
    r"(?=[\s:.(#-])"
)
# What may stand between the cue and the number.
_FILLER = re.compile(
    # A lower-case word and a comma may come first ("Reisepass syrisch, Nr. ...").
    r"(?:[ \t]+[a-zäöü]+,(?=[ \t]*(?:Nr|Nummer|No)))?"
    # Whose or which state's document, then a comma before "Nr." ("Führerschein des Fahrzeugführers, Nr. ...", "ID-Karte
    # der Republik Bulgarien, Nr. ..."): up to four words.
    r"(?:(?:[ \t]+[^\W\d_]+){1,4},(?=[ \t]*(?:Nr|Nummer|No)\b))?"
    # Chat and radio notes: up to three lower-case words before a lower-case "nummer" ("ausweis verloren, nummer").
    r"(?:(?:[ \t]+[a-zäöü]+){1,3},?(?=[ \t]*(?:nummer|nr\.?)[ \t:]))?"
    r"(?:[ \t]*(?::|\(|#|Nr\.?|Nummer|nummer|nr\.|No\.?|mit der Nummer|der Nummer|des Beschuldigten|der Beschuldigten"
    r"|des Geschädigten|der Geschädigten|mit der Nr\.?|mit Nr\.?|lautet|lautete|ist|war|lautend auf"
    # Whose: "PA-Nummer von [NAME] ist ...", "von Salvatore Bianchi".
    r"|von[ ]\[NAME\]|von[ ][A-ZÄÖÜ][^\W\d_]+(?:[ ][A-ZÄÖÜ][^\W\d_]+)?)[ \t]*)*[ \t]*"
)
# The number: groups of capitals and digits, split by single blanks or hyphens ("12 150780 M 123").
_VALUE = re.compile(r"[A-Z0-9]{1,20}(?:[ -](?:[A-Z]|[A-Z0-9]*\d[A-Z0-9]*)(?!\w))*(?![\w])")
# Written in lower case ("m5hhykt6v", a VIN copied from a form): one run of letters and digits with both in it.
_LOWER_VALUE = re.compile(r"(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{6,20}(?![\w])")
_MIN_CHARS, _MAX_CHARS = 6, 20
_DOC_LETTERS = re.compile(r"[CFGHJKLMNPRTVWXYZ]{9}")

# Eleven digits in any grouping by single blanks ("12 345 678 901", "123 456 789 01"); the check digit decides.
_TAX_ID = re.compile(r"(?<![\w+/.-])[1-9](?:[ ]?\d){10}(?![\w/.,-]\w|\w)")
_SOCIAL = re.compile(
    r"(?<![\w/.-])\d{2}[ -]?(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[ -]?[A-Z][ -]?\d{2}[ ]?\d(?![\w-])"
)
_VIN = re.compile(r"\b(?:[A-HJ-NPR-Z0-9]{17}|[a-hj-npr-z0-9]{17})\b(?!-)")


def _cued(text: str) -> list[Found]:
    found = []
    for cue in _CUE.finditer(text):
        filler = _FILLER.match(text, cue.end())
        start = filler.end() if filler else cue.end()
        m = _VALUE.match(text, start) or _LOWER_VALUE.match(text, start)
        if m is None:
            continue
        value = m.group()
        chars = sum(c.isalnum() for c in value)
        # Letters only count in the German document alphabet's shape ("TVHXYLJHY": no vowels, nine characters).
        if _MIN_CHARS <= chars <= _MAX_CHARS and (any(c.isdigit() for c in value) or _DOC_LETTERS.fullmatch(value)):
            found.append((m.start(), m.end()))
    return found


def _vin_like(value: str) -> bool:
    letters = sum(c.isalpha() for c in value)
    digits = sum(c.isdigit() for c in value)
    return letters >= 2 and digits >= 4 and value[-4:].isdigit()


# German ID card and passport numbers since 2010: nine characters from an alphabet without vowels and look-alikes
# (no A, B, D, E, I, O, Q, S, U), the first a letter, optionally a tenth ICAO check digit. Without a cue a run
# counts only with at least two letters and two digits, so words and plain numbers stay.
_DOC_CHARS = "CFGHJKLMNPRTVWXYZ0123456789"
_DOC_NUMBER = re.compile(rf"(?<![\w-])[CFGHJKLMNPRTVWXYZ][{_DOC_CHARS}]{{8}}\d?(?![\w-])")
_MIN_DOC_KIND = 2
# Numbers of other things that share the shape: tickets, receipts, orders, invoices, files.
_NOT_DOC_BEFORE = re.compile(
    r"(?i)(?:ticket|bon|beleg|quittung|auftrag|rechnung|bestell|vorgang|kunden|az\.|aktenz)\S*\W*(?:nr\.?|nummer)?\W*$"
)


def _doc_like(value: str) -> bool:
    letters = sum(c.isalpha() for c in value)
    return letters >= _MIN_DOC_KIND and len(value) - letters >= _MIN_DOC_KIND


def find_id_numbers(text: str) -> list[Found]:
    """ID card, passport, tax, social-insurance, driving-licence and vehicle identification numbers."""
    found = _cued(text)
    found += [m.span() for m in _TAX_ID.finditer(text) if idnr.is_valid(m.group().replace(" ", ""))]
    found += [m.span() for m in _SOCIAL.finditer(text)]
    found += [m.span() for m in _VIN.finditer(text) if _vin_like(m.group().upper())]
    found += [
        m.span()
        for m in _DOC_NUMBER.finditer(text)
        if _doc_like(m.group()) and not _NOT_DOC_BEFORE.search(text, max(0, m.start() - 24), m.start())
    ]
    return found
