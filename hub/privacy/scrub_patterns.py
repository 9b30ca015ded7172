"""Pattern detectors of the free-text scrubber: e-mail, phone, IBAN, licence plate, date of birth, street address.

Each takes the text and returns (start, end) offsets of what it found; all are pure and never raise on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache

import phonenumbers

from hub.privacy.scrub_lexicon_places import (
    NOT_STREETS,
    STREET_ENDINGS,
    STREET_WORDS,
    district_codes,
    halle_stop_names,
)
from hub.privacy.scrub_lexicon_words import common_words, never_names

Found = tuple[int, int]


def _split(words: str) -> list[str]:
    # Long word lists read better as text than as quoted literals.
    return words.split()


# A letter of a word (no digit, no underscore); Python's \w alone would let digits into words.
_L = r"[^\W\d_]"

_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]*\w(?:@|[ ]?[(\[](?:at|AT)[)\]][ ]?)[\w-]+(?:\.[\w-]+)*\.{_L}{{2,}}(?![\w-])")
# "vorname.name at domain.de": only with a dot, underscore or digit in the local part, so "Treffen at home" is no
# address; the domain needs a dot and a top-level domain of letters.
_EMAIL_AT_WORD = re.compile(
    rf"(?<![\w.+-])(?=[\w.+-]*[._\d])[\w.+-]*\w[ ](?:at|AT)[ ][\w-]+(?:\.[\w-]+)*\.{_L}{{2,}}(?![\w-])"
)


# Spelled out in words, as dictated or written against spam: "felix punkt weber at gmx punkt de", "k.lange ät web
# punkt de". The domain must end in "punkt" and a common top-level domain, so "Treffen at home" stays.
_EMAIL_SPELLED = re.compile(
    r"(?i)(?<![\w.+-])[\w+-]+(?:(?:[ ](?:punkt|dot)[ ]|[._])[\w+-]+)*[ ](?:at|ät|@)[ ][\w-]+"
    r"(?:[ ](?:punkt|dot)[ ][\w-]+)*[ ](?:punkt|dot)[ ](?:de|com|net|org|eu|at|ch|info)(?![\w-])"
)


def find_emails(text: str) -> list[Found]:
    """E-mail addresses, also the "(at)" / "[at]" spellings people use against spam and addresses in words."""
    spelled = [m.span() for m in _EMAIL_SPELLED.finditer(text)] if "unkt " in text or "dot " in text else []
    if "@" not in text and "at)" not in text and "at]" not in text and "AT)" not in text and "AT]" not in text:
        if " at " not in text and " AT " not in text and not spelled:
            return []  # most descriptions hold no address; skip the scan
        return [m.span() for m in _EMAIL_AT_WORD.finditer(text)] + spelled
    return [m.span() for m in _EMAIL.finditer(text)] + [m.span() for m in _EMAIL_AT_WORD.finditer(text)] + spelled


_PHONE = re.compile(
    r"(?<![\w+/.,:-])"
    r"(?P<head>(?:\+|00)[1-9]\d{0,2}[ ]?\(0\)[ ]?\d{2,5}|(?:\+|00)[1-9]\d{7,14}|(?:\+|00)[1-9]\d{0,5}"
    r"|\(0\d{2,5}\)|0[1-9]\d{1,11})"
    # Groups need a separator between them, so a digit run can be split only one way (no backtracking blow-up).
    r"(?P<tail>(?:(?:[ ]?[-/][ ]?|[ ])\d{1,8}){0,5})"
    r"(?P<ext>[ ]?-[ ]?\d{1,4}|[ ]0)?"
    r"(?!\d|[.,:]\d|\w)"
)
# A number after these words is a file or case number, not a phone number ("Az. 0815/2026").
_NOT_PHONE_BEFORE = re.compile(
    r"(?i)(?:\baz\.?|aktenzeichen|vorgangs?(?:nummer)?|einsatz(?:nummer)?|tagebuch(?:nummer)?|kassenzeichen|"
    r"rechnungs(?:nummer)?|verwendungszweck|kundennummer|\bnr\.?)\s*(?:lautet|ist)?\s*:?\s*$"
)
_PHONE_CUE_BEFORE = re.compile(r"(?i)(?:tel|telefon|handy|mobil|fax|rückruf)\S*\s*:?\s*$")
_DATE_SHAPE = re.compile(r"\d{1,2}\.[ ]?\d{1,2}\.[ ]?(?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}")
# Where a phone number can start: "+", or "0" (maybe after "(") not inside a longer number or word.
_MAYBE_PHONE = re.compile(r"(?<![\w+.,/:-])(?:\+|\(?0)\d")
_PHONE_WINDOW = 40
# Starts that are a date, a time or a postcode and town ("03.04.1987", "07:30", "06114 Halle"): no window for them.
_NOT_PHONE_START = re.compile(r"0\d?[.:]\d|0\d{4}[ ][A-ZÄÖÜ]")


def _not_a_phone(text: str, start: int) -> bool:
    before = text[max(0, start - 24) : start]
    return _NOT_PHONE_BEFORE.search(before) is not None and _PHONE_CUE_BEFORE.search(before) is None


def _library_phones(text: str) -> list[Found]:
    """Numbers that ``phonenumbers`` (Google's libphonenumber metadata) finds valid for Germany or, with a country
    code, for their country: it knows the area codes and lengths, so it takes any grouping ("0345 2 34 56 78",
    "0176.12.34.56.78", "01 52 / 33 44 55 66") and refuses dates, times and case numbers. VALID leniency: POSSIBLE
    took times and years ("22:10", "2026-004711"), measured on the development set."""
    found: list[Found] = []
    # The matcher parses every digit group it meets; give it only a window after each place a number can start.
    for start in (m.start() for m in _MAYBE_PHONE.finditer(text)):
        if (found and start < found[-1][1]) or _NOT_PHONE_START.match(text, start):
            continue
        window = text[start : start + _PHONE_WINDOW]
        for m in phonenumbers.PhoneNumberMatcher(window, "DE", leniency=phonenumbers.Leniency.VALID):
            if m.start > 1:
                break
            raw = m.raw_string
            if raw.startswith("(") and ")" not in raw:
                m.start, raw = m.start + 1, raw[1:]  # "(0163 4455667)": the bracket around the number is not in it
            if raw[:1] in "+0(" and not _DATE_SHAPE.fullmatch(raw) and not _not_a_phone(text, start + m.start):
                found.append((start + m.start, start + m.end))
            break
    return found


def find_phones(text: str) -> list[Found]:
    """German and international phone numbers: +49 / 0049 / 0 prefixes, groups split by space, - or /, and any
    grouping ``phonenumbers`` validates."""
    found = _library_phones(text)
    for m in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        intl = re.match(r"(\+|00)(\d{1,3})", m.group("head"))
        if intl:
            # Digits of the national number: without the country code, the 00 prefix and a "(0)" trunk zero.
            national = digits - len(intl.group(2)) - (2 if intl.group(1) == "00" else 0) - m.group().count("(0)")
            ok = 6 <= national <= 13
        else:
            ok = 7 <= digits <= 13
        before = text[max(0, m.start() - 24) : m.start()]
        if ok and (not _NOT_PHONE_BEFORE.search(before) or _PHONE_CUE_BEFORE.search(before)):
            found.append(m.span())
    found += [
        m.span()
        for m in _SPACED_DIGITS.finditer(text)
        if _DICTATED_CUE.search(text, max(0, m.start() - _PHONE_WINDOW), m.start())
    ]
    if _DIGIT_WORD.search(text):
        found += [m.span() for m in _SPOKEN_NUMBER.finditer(text) if len(_DIGIT_WORD.findall(m.group())) >= _MIN_SPOKEN]
    return found


# Dictated in single digits: "0 1 7 6 - 3 3 8 1 0 4 2 7" (a leading 0 or +, seven digits at least), after a word
# for a number or a call ("Telefonnummer ist", "Rückruf", "erreichbar unter") shortly before.
_DICTATED_CUE = re.compile(
    r"(?i)\b(?:tel|telefon|handy|mobil|nummer|rückruf|erreichbar|anrufen|whatsapp)\w*\W+(?:\w+\W+){0,3}\Z"
)
_SPACED_DIGITS = re.compile(r"(?<![\w+/.,:-])(?:\+|0)[ ]?\d(?:(?:[ ]|[ ]?[-/][ ]?)\d){5,14}(?![\w/.,:-]?\d)")
# Spoken in digit words, as an emergency call's notes write it down: "null drei vier fünf, sechs acht, zwo zwo".
_DIGIT_WORDS = r"(?:null|eins|zwei|zwo|drei|vier|fünf|sechs|sieben|acht|neun)"
_DIGIT_WORD = re.compile(rf"(?i)\b{_DIGIT_WORDS}\b")
_SPOKEN_NUMBER = re.compile(rf"(?i)(?<!\w){_DIGIT_WORDS}(?:(?:,?[ ]|[ ]?-[ ]?){_DIGIT_WORDS}){{5,}}(?!\w)")
_MIN_SPOKEN = 6


#: IBAN length per country (ISO 13616 registry, as published by SWIFT); unknown countries are not matched.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SD": 18,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22,
    "VG": 24, "XK": 20,
}  # fmt: skip

# Lower case too ("de89 3704 ..."): the length and the mod-97 check keep random letter-digit runs out.
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}|[a-z]{2})\d{2}(?=[ ]?[A-Za-z0-9])")


def iban_is_valid(compact: str) -> bool:
    """True when ``compact`` (no spaces) has its country's length and the ISO 7064 mod-97 check digits hold."""
    if len(compact) != IBAN_LENGTHS.get(compact[:2], -1) or not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_ibans(text: str) -> list[Found]:
    """IBANs, compact or in groups of four, that pass the mod-97 check (random digit runs do not)."""
    found = []
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1).upper())
        if length is None:
            continue
        chars: list[str] = []
        pos = m.start()
        # Take exactly the country's number of characters, allowing single spaces between them.
        while pos < len(text) and len(chars) < length:
            c = text[pos]
            if c.isascii() and (c.isdigit() or c.isupper() or (c.islower() and m.group(1).islower())):
                chars.append(c.upper())
            elif not (c == " " and chars and pos + 1 < len(text) and text[pos + 1] != " "):
                break
            pos += 1
        if len(chars) == length and not (pos < len(text) and text[pos].isalnum()) and iban_is_valid("".join(chars)):
            found.append((m.start(), pos))
    return found


@cache
def _plate_re() -> re.Pattern[str]:
    codes = "|".join(sorted(district_codes(), key=len, reverse=True))
    return re.compile(
        rf"(?<![\w-])(?=[A-ZÄÖÜ]{{1,3}}[ -])(?P<code>{codes})(?:-|[ ]{{1,2}}|[ ]-[ ])(?P<letters>[A-Z]{{1,2}})"
        r"(?:-|[ ]{1,2})?"
        r"(?P<digits>[1-9]\d{0,3})(?P<suffix>[EH])?(?![\w-])"
    )


_DOTTED_SHAPE = re.compile(r"[A-ZÄÖÜ]\.[A-Z]{1,2}\.[1-9]")


@cache
def _dotted_plate_re() -> re.Pattern[str]:
    # "HAL.AB.123", "SK.UU.41": dots between the three parts of a German plate (both dots, or it is no plate).
    codes = "|".join(sorted(district_codes(), key=len, reverse=True))
    return re.compile(rf"(?<![\w.-])(?:{codes})\.[A-Z]{{1,2}}\.[1-9]\d{{0,3}}[EH]?(?![\w-]|\.\w)")


# After these words a plate is written in any country's format, or only in part ("Kennzeichen HAL-K...").
_PLATE_CUE = re.compile(
    # "NL-Kennz.", "Polen-Lkw": a country or a word joined by a hyphen before the cue.
    r"(?<![\w-])(?:(?i:[\w-]*kennzeichen[s]?|(?:\w+-)?(?:kennz\.|kz\.?|kfz|pkw|lkw|krad|transporter|kleintransporter"
    r"|wohnmobil|motorrad|motorroller|roller|moped|mofa|e-scooter|sattelzug|anhänger|auto)))"
    r"(?![\w-]|\.\w)"
    # At most a few lower-case words ("nur halb gesehen", "beginnt mit", "des Täters war") and a colon before it.
    r"(?P<gap>(?:[ ]des[ ][A-ZÄÖÜ][^\W\d_]*s(?![\w-]))?(?:[ ](?:\((?:PL|CZ|NL|RO|BG|UA|LT|HU|CH|DK|F|A|I|H)\)|"
    r"(?:PL|CZ|NL|RO|BG|UA|LT|HU|CH|DK|F|A|I|H):))?(?:[ ](?:[a-zäöüß]+|\(\w+\)))?(?:[ ](?:[a-zäöüß]+)){0,3}"
    r"[ ]?:?[ ]\(?)"
)
_PLATE_VALUE = re.compile(r"[A-ZÄÖÜ0-9]{1,4}(?:(?:[ ]-[ ]|[- ])[A-Z0-9]{1,6}){0,3}(?![\w-])")
_NOT_PLATES = frozenset(
    {"RR", "RTW", "NEF", "KTW", "PKW", "LKW", "KFZ", "PL", "CZ", "AT", "NL", "RO", "BG", "UA", "TEL"}
    # Units and currencies after a number ("Roller kostet 100 EUR", "125 CCM").
    | {"EUR", "USD", "CHF", "PLN", "GBP", "CZK", "HUF", "RON", "CCM", "KMH", "KWH", "PS", "KW", "KM", "MIN", "STD"}
)
_MAX_PLATE_CHARS = 10
_LETTERS_DIGITS_LETTERS = re.compile(r"(?<![\w-])[A-Z]{1,2}[ ]?[0-9]{4}[ ]?[A-Z]{2}(?![\w-])")
_COUNTRY_CODES = frozenset({"PL", "CZ", "NL", "RO", "BG", "UA", "LT", "LV", "HU", "CH", "DK", "BY", "MD", "RUS", "TR"})


@cache
def _loose_plate_re() -> re.Pattern[str]:
    # After a vehicle word a German plate may be written in any case and without separators ("halmk301").
    codes = "|".join(sorted(district_codes(), key=len, reverse=True))
    return re.compile(rf"(?i:(?:{codes})(?:[ ]?-[ ]?|[ ]|:)?[a-z]{{1,2}}[ -]?[1-9]\d{{0,3}}[eh]?)(?![\w-])")


@cache
def _spaced_lower_plate_re() -> re.Pattern[str]:
    # Inside a cue's gap only a lower-case plate with its parts apart ("hal ab 123"), never a word ("weg 12").
    codes = "|".join(sorted((c.lower() for c in district_codes()), key=len, reverse=True))
    return re.compile(rf"(?:{codes})(?:[ ]?-[ ]?|[ ])[a-z]{{1,2}}[ -]?[1-9]\d{{0,3}}[eh]?(?![\w-])")


def _plate_in_gap(text: str, cue: re.Match[str]) -> list[Found]:
    """ "Kennzeichen war hal ab 123": the cue's gap took the lower-case parts of the plate as words."""
    for word in re.finditer(r"[ ](?=[a-zäöü])", text[cue.start("gap") : cue.end()]):
        spaced = _spaced_lower_plate_re().match(text, cue.start("gap") + word.end())
        if spaced is not None:
            return [spaced.span()]
    return []


def _cued_plates(text: str) -> list[Found]:
    """A plate after a vehicle word, whatever its country, also in part: groups of capitals and digits."""
    found = []
    for cue in _PLATE_CUE.finditer(text):
        loose = _loose_plate_re().match(text, cue.end())
        if loose is not None:
            found.append(loose.span())  # a foreign plate that starts like a German one is found below, longer
        else:
            found.extend(_plate_in_gap(text, cue))
        m = _PLATE_VALUE.match(text, cue.end())
        if m is None:
            continue
        groups = re.split(r"[ -]+", m.group())
        while groups and (groups[-1] in _NOT_PLATES or sum(map(len, groups)) > _MAX_PLATE_CHARS):
            groups.pop()  # "Pkw HAL-AB 12 RR 0176 ...": the plate ends before the next code
        skip = 0
        if len(groups) > 2 and groups[0] in _COUNTRY_CODES:  # "Lkw PL WE 7741W": the country code is no part of it
            skip = len(groups[0])
            groups = groups[1:]
        if not groups or groups[0] in _NOT_PLATES or not any(c.isalpha() for c in groups[0] + "".join(groups[1:2])):
            continue
        if len(groups) == 1 and groups[0].isalpha() and len(groups[0]) <= 3:
            continue  # a district code alone ("begann mit HAL") names no vehicle
        value = m.group()
        start = m.start() + value.index(groups[0], skip)
        end = start
        for g in groups:
            end = value.index(g, end - m.start()) + m.start() + len(g)
        found.append((start, end))
    return found


@cache
def _partial_plate_re() -> re.Pattern[str]:
    # The known start of a plate, district code and letters with no number ("konnte nur SK-O ablesen").
    codes = "|".join(sorted(district_codes(), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?=[A-ZÄÖÜ]{{1,3}}-[A-Z])(?:{codes})-[A-Z]{{1,2}}(?![\w-]|[ ]?[-/]?[ ]?\d)")


# A moped insurance plate: three digits and three capitals ("482 KTL"), only near a two-wheeler word.
_INSURANCE_PLATE = re.compile(r"(?<![\w-])\d{3}[ ][A-Z]{3}(?![\w-])")
_TWO_WHEELER = re.compile(r"(?i)roller|moped|mofa|versicherungskennz|vers\.-?kennz|vers\.-?kz|scooter|krad|mokick")
# Citizens' lower-case plates with the hyphen ("hal-dk 55") carry their own evidence.
_LOWER_PLATE_MAX = 8


def _lower_plates(text: str) -> list[Found]:
    found = []
    for m in _lower_re().finditer(text):
        if sum(c.isalnum() for c in m.group()) <= _LOWER_PLATE_MAX:
            found.append(m.span())
    return found


@cache
def _lower_re() -> re.Pattern[str]:
    codes = "|".join(sorted((c.lower() for c in district_codes()), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?=[a-zäöü]{{1,3}}-[a-z])(?:{codes})-[a-z]{{1,2}}[ ]?[1-9]\d{{0,3}}[eh]?(?![\w-])")


# A car's make or body right before a plate ("silberner Opel B 123 ABC", "bmw halmk777"): weaker than a vehicle
# word (a model follows as often: "Audi A4", "BMW X5", "Golf 7"), so only a German plate or two groups or more with
# letters and digits in them.
_MAKE_CUE = re.compile(
    r"(?i)(?<![\w-])(?:bmw|audi|opel|vw|golf|passat|polo|skoda|seat|ford|fiat|toyota|renault|peugeot|citroen|citroën"
    r"|dacia|hyundai|kia|mazda|nissan|volvo|tesla|mercedes|benz|sprinter|kombi|suv|caddy|corsa|astra|sharan|touran"
    r"|tiguan|octavia|fabia)[ ](?:mit[ ])?(?=[A-Za-z0-9])"
)


_MIN_MAKE_GROUPS = 2
_MIN_MAKE_CHARS = 5


def _make_plates(text: str) -> list[Found]:
    found = []
    for cue in _MAKE_CUE.finditer(text):
        loose = _loose_plate_re().match(text, cue.end())
        if loose is not None:
            found.append(loose.span())
            continue
        m = _PLATE_VALUE.match(text, cue.end())
        if m is None:
            continue
        groups = re.split(r"[ -]+", m.group())
        while groups and (groups[-1] in _NOT_PLATES or sum(map(len, groups)) > _MAX_PLATE_CHARS):
            groups.pop()
        if len(groups) < _MIN_MAKE_GROUPS or groups[0] in _NOT_PLATES or groups[0] in _COUNTRY_CODES:
            continue
        if groups[0].isdigit():
            continue  # "Sprinter 316 CDI": a model's engine, not a plate
        mixed = any(g.isdigit() for g in groups) and any(c.isalpha() for g in groups for c in g)
        if mixed and sum(map(len, groups)) >= _MIN_MAKE_CHARS:
            end = m.start()
            for g in groups:
                end = text.index(g, end) + len(g)
            found.append((m.start(), end))
    return found


def find_plates(text: str) -> list[Found]:
    """German licence plates: district code from the shipped list, 1-2 letters, 1-4 digits, optional E/H; and after
    a vehicle word any plate-shaped run of capitals and digits (foreign and partial plates)."""
    found = _cued_plates(text) + _make_plates(text)
    if "-" in text:  # partial and lower-case plates carry a hyphen; most texts have none
        found += [m.span() for m in _partial_plate_re().finditer(text)]
        found += _lower_plates(text)
    # "PB 7731 KM", "CA 4519 PH": one or two letters, four digits, two letters (Bulgaria, also Ukraine's old
    # plates); German plates never end in letters, and the shape is no date, unit or price.
    found += [m.span() for m in _LETTERS_DIGITS_LETTERS.finditer(text)]
    for m in _INSURANCE_PLATE.finditer(text):
        if m.group()[-3:] not in _NOT_PLATES and _TWO_WHEELER.search(text, max(0, m.start() - 40), m.start()):
            found.append(m.span())
    if _DOTTED_SHAPE.search(text) is not None:  # a cheap look first: the district codes make a long pattern
        # "B.A.12" is more often a version or a degree than a plate: three letters at least.
        found += [
            m.span() for m in _dotted_plate_re().finditer(text) if m.group().index(".", m.group().index(".") + 1) >= 4
        ]
    for m in _plate_re().finditer(text):
        # A German plate carries at most eight characters besides the E/H suffix.
        if len(m.group("code")) + len(m.group("letters")) + len(m.group("digits")) <= 8:
            found.append(m.span())
    return found


_MONTHS = (
    r"Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
    r"Jan\.|Febr?\.|Mär\.|Mrz\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Okt\.|Nov\.|Dez\."
)
_DATE = re.compile(
    r"(?<![\w.])(?:"
    r"(?P<d>\d{1,2})\.[ ]?(?P<m>\d{1,2})\.[ ]?(?P<y>\d{4}|\d{2})"
    rf"|(?P<d2>\d{{1,2}})\.[ ]?(?:{_MONTHS})[ ]?(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
    r"|(?P<d4>\d{1,2})/(?P<m4>\d{1,2})/(?P<y4>\d{4})"
    r")(?!\w|\.\d)"
)
_DOB_CUE = re.compile(
    r"(?:(?:\bgeb\.|\bgeboren\b|\bGeburtsdatum\b|\bGeb\.-?[Dd]at(?:um|\.)?|\bGebDat\b|\bGeburtstag\b|\bDOB\b)"
    r"(?P<gap>[^.!?;\n\d]{0,30})|\*[ ]?)$"
)
_AGE = re.compile(r"\b\d{1,3}[ ]?(?:Jahre\b|J\.)|\d{1,3}-?[jJ]ährig|\(\d{1,3}\)|\bAlter\b")
_EVENT_WORDS = frozenset(
    {
        "am", "vom", "bis", "seit", "ab", "zum", "den", "ca.", "gegen", "Am", "Vom", "Bis", "Seit", "Ab", "Zum", "Den",
        "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonnabend", "Sonntag",
    }
)  # fmt: skip
_TIME_AFTER = re.compile(r"\s*,?\s*(?:um|gegen|ab|von)?\s*\d{1,2}[:.]\d{2}")
# After a name, a date followed by a time or a colon is a log line ("Peter, 12.03.2026: Tür defekt").
_LOG_AFTER = re.compile(r"\s*:|" + _TIME_AFTER.pattern)


_BORN_AFTER = re.compile(r"[ ](?:in[ ][A-ZÄÖÜ]\S*[ ])?geboren\b")
# A full date more than a dozen years before the texts were written is a birth date unless a word makes it an event
# ("Vertrag vom 01.03.1999"); event dates in incident texts are recent.
_OLD_YEAR = 2012
_EVENT_BEFORE = re.compile(
    r"(?i)(?:\b(?:am|vom|bis|seit|ab|zum|den|stand|datum|von|im|bis zum|frist|gebaut|errichtet|eröffnet|gegründet"
    r"|erteilt|ausgestellt|gültig|zugelassen|erstzulassung|eingetragen)|jahr|tag)\W{0,3}$"
)


def _old_full_date(m: re.Match[str], before: str) -> bool:
    year = m.group("y") or m.group("y2") or m.group("y3") or m.group("y4")
    return len(year) == 4 and int(year) <= _OLD_YEAR and _EVENT_BEFORE.search(before) is None


def _date_is_valid(m: re.Match[str]) -> bool:
    day = m.group("d") or m.group("d2") or m.group("d3") or m.group("d4")
    month = m.group("m") or m.group("m3") or m.group("m4")
    return 1 <= int(day) <= 31 and (month is None or 1 <= int(month) <= 12)


def find_dates_of_birth(text: str, name_ends: Collection[int] = ()) -> list[Found]:
    """Dates that are dates of birth: after "geb.", "geboren", "Geburtsdatum", "*", right after a name
    ("Emma Fischer, 02.02.2011"; ``name_ends`` are the end offsets of names found), or near an age that is not
    an event date ("15 Jahre alt, 11.09.2010"). Dates of events ("am 12.03.2026 um 22:10") stay."""
    found = []
    for m in _DATE.finditer(text):
        start = m.start()
        before = text[max(0, start - 60) : start]
        cue = _DOB_CUE.search(before)
        if (cue and len((cue.group("gap") or "").split()) <= 3) or _BORN_AFTER.match(text, m.end()):
            # "geb. am", "Geburtsdatum laut Ausweis", "sei am ... geboren": also a date that cannot be true
            found.append(m.span())
            continue
        if not _date_is_valid(m):
            continue
        if _old_full_date(m, before):
            found.append(m.span())
            continue
        head = before.rstrip()
        if head.endswith((",", "(", "/", ";")):  # "Nowak, Jan / 12.08.1979": shorthand separators too
            prev = head[:-1].rstrip()
            prev_end = start - (len(before) - len(prev))
            after_name = prev_end in name_ends or prev.endswith("[NAME]")
            if after_name and not _LOG_AFTER.match(text, m.end()):
                found.append(m.span())
                continue
        words = before.split()
        sentence = re.split(r"[.!?]\s", before)[-1]
        if (
            _AGE.search(sentence)
            and (not words or words[-1].rstrip(",") not in _EVENT_WORDS)
            and not _TIME_AFTER.match(text, m.end())
        ):
            found.append(m.span())
    return found


# House-number counts that are really counts of things ("Am Reileck 3 Männer", "Marktplatz 14 Flaschen").
_COUNT_WORDS = frozenset(
    _split(
        """Personen Person Leute Männer Frauen Kinder Jugendliche Jugendlichen Erwachsene Täter Zeugen Fahrgäste
    Flaschen Fahrzeuge Autos Wagen Busse Bahnen Züge Minuten Min Stunden Std Tage Tagen Wochen Monate Monaten Jahre
    Jahren Uhr Mal Verletzte Tote Beamte Beamten Streifen Einsatzkräfte Hunde Fahrräder Räder Euro EUR Prozent
    Meter km m min Haltestellen Stationen Stück Gruppen Radfahrer Fußgänger Kontrolleure Polizisten Schüler Mädchen
    Jungen Obdachlose Betrunkene Punkte Sekunden"""
    )
)
_ADJ_KEEP = frozenset(
    _split(
        """Große Großen Kleine Kleinen Alte Alten Neue Neuen Hohe Hohen Lange Langen Breite Breiten Obere Oberen
        Untere Unteren Tiefe Tiefen Verlängerte Verlängerten Äußere Äußeren Innere Inneren Hintere Vordere"""
    )
)
_PREFIX = r"(?:Am|An der|An den|An dem|Auf der|Auf dem|Auf den|Im|In der|In den|Zum|Zur|Hinter der|Hinter dem|" \
    r"Vor dem|Vor der|Beim|Unter den|Alt)"  # fmt: skip
# House numbers have at most three digits here; four would mostly be years ("Im August 2026").
_HOUSE_NUMBER = re.compile(
    r"(?:(?<=[^\W\d_])[ ]|(?<=[sS]tr\.)[ ]?|(?<=\.)[ ])(?:Nr\.[ ]?)?[1-9]\d{0,2}(?:[ ]?[a-zA-Z](?![\w]))?"
    r"(?:[ ]?[-/\u2013][ ]?\d{1,3}(?:[a-zA-Z](?!\w))?)?(?![\d\w]|[:.,]\d)"
)
_MAX_STREET = 80
_MAX_ADJECTIVE = 12
_HAS_LOWER_STREET = re.compile(
    r"[a-zäöüß ](?:straße|strasse|str\b|weg\b|platz\b|allee|ring\b|gasse|damm\b|ufer\b)"
)  # longer capitalised words before a street are compound nouns, not adjectives of the name
# A postcode and town after the house number belong to the address ("Reilstraße 17, 06114 Halle (Saale)").
_POSTCODE_CITY = re.compile(
    rf"(?:,?[ ]|,?\n|[ ]in[ ])\d{{5}}[ ][A-ZÄÖÜ]{_L}+(?:-{_L}+)*"
    r"(?:[ ]\((?:Saale|S\.)\)|[ ]?/[ ]?Saale|[ ]an der Saale)?"
)
_PREFIX_RE = re.compile(rf"(?<!\w){_PREFIX}[ ]")
_PREFIX_ONLY = re.compile(rf"{_PREFIX}\Z")
_PREFIX_ADJECTIVE = re.compile(
    rf"{_PREFIX}[ ](?:Hohen|Alten|Neuen|Großen|Kleinen|Langen|Grünen|Weißen|Roten|Breiten|Oberen|Unteren|Krummen)"
    r"[ ][A-ZÄÖÜ]"
)


@cache
def _address_re() -> re.Pattern[str]:
    word = rf"[A-ZÄÖÜ]{_L}+"
    hyph = rf"{word}(?:-{_L}+)*"
    endings = "|".join(re.escape(e) for e in sorted(STREET_ENDINGS, key=len, reverse=True))
    compound = rf"{word}(?:-{_L}+)*?-?(?i:{endings})"
    street_word = "|".join(re.escape(w) for w in sorted(STREET_WORDS, key=len, reverse=True))
    adjective = rf"[A-ZÄÖÜ]{_L}*(?:-{_L}+)*(?:er|e|en|es)"
    stops = "|".join(
        re.escape(s) for s in sorted(_street_like_stops(), key=len, reverse=True) if not s.endswith("Str.")
    )
    street = (
        rf"(?:(?:{adjective}[ ]){{0,2}}(?:{compound}(?![\w])|(?:{street_word})(?![\w]))"
        rf"|(?:{street_word})[ ](?:der|des|am|an der|zum|zur)[ ]{hyph}(?:[ ]{hyph})?"
        rf"|{_PREFIX}[ ](?:{adjective}[ ])?{hyph}"
        rf"|(?:{stops})(?![\w]))"
    )
    # Searched backwards from a house number (see find_addresses), so it must end exactly there.
    return re.compile(rf"(?<![\w-])(?=[A-ZÄÖÜ])(?P<street>{street})\Z")


def _street_hint(before: str) -> bool:
    """A cheap necessary condition for _address_re on the text before a number: it ends in a street word, a street
    ending or a street-like stop name, or holds a prefix ("Am", "An der") or a street word ("Platz der ...")."""
    last = before.rsplit(None, 1)[-1] if before.strip() else ""
    if last.lower().endswith(STREET_ENDINGS) or last in STREET_WORDS or last in _street_like_stops():
        return True
    return _PREFIX_RE.search(before) is not None or _street_word_re().search(before) is not None


@cache
def _street_like_stops() -> tuple[str, ...]:
    # Halle stop names that are streets without a street ending ("Vogelweide"); stations and districts are not.
    skip = ("Bahnhof", "bahnhof", "Messe", "Zoo", "Klinikum", "Friedhof", "friedhof", "Theater", "Zentrum", "Halle")
    return tuple(
        s for s in halle_stop_names() if " " not in s and not any(k in s for k in skip) and s not in never_names()
    )


@cache
def _street_word_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in STREET_WORDS) + "[ ]")


@cache
def _long_not_streets() -> tuple[str, ...]:
    # Compounds of the longer everyday nouns count too ("Hauptbahnhof", "Busparkplatz"); short ones would hit real
    # street names ("Weidenplan").
    return tuple(n.lower() for n in NOT_STREETS if len(n) >= 6)


# Where at a street, not part of its name: "An der Ecke Torstraße 38", "Höhe Kröllwitzer Straße 41".
_PLACE_NOUNS = frozenset({"Ecke", "Höhe", "Nähe", "Kreuzung", "Einmündung", "Einfahrt", "Ausfahrt"})


def _drop_leading_noun(start: int, words: list[str]) -> tuple[int, list[str]]:
    """Drop a noun the street pattern swallowed before a complete street name: "Garage Kröllwitzer Straße 41"
    (a separate street word takes one adjective in -er, nothing before it but "Große", "Alte" ...), "Keller
    Hallorenring 2" (a one-word street name takes no noun before it), "An der Ecke Torstraße 38"."""
    for k in (1, 2):
        if len(words) > k + 1 and _PREFIX_ONLY.match(" ".join(words[:k])) and words[k] in _PLACE_NOUNS:
            return start + len(" ".join(words[: k + 1])) + 1, words[k + 1 :]
    if len(words) < 2 or words[0] in _ADJ_KEEP or _PREFIX_ONLY.match(words[0]) or not words[0][:1].isupper():
        return start, words
    if _PREFIX_RE.match(" ".join(words)):
        return start, words
    last = words[-1]
    one_word_street = last.lower().endswith(_street_endings_lower()) and last not in STREET_WORDS
    separate = len(words) == 3 and last in STREET_WORDS and words[1].endswith("er") and words[1][:1].isupper()
    if (len(words) == 2 and one_word_street and "-" not in last) or separate:
        return start + len(words[0]) + 1, words[1:]
    return start, words


@cache
def _street_endings_lower() -> tuple[str, ...]:
    return tuple({e.rstrip(".") for e in STREET_ENDINGS})


def _not_a_street(word: str) -> bool:
    return word in NOT_STREETS or word.lower().endswith(_long_not_streets())


# Citizens' lower-case writing: "kantstraße 4", "leipziger str 12". A compound needs three letters before its
# ending ("ist weg 3 tage" is no street); a bare ending needs an adjective in -er before it ("merseburger straße").
_LOWER_STREET_END = r"(?:straße|strasse|str\.?|weg|platz|allee|ring|gasse|damm|ufer)"
_LOWER_ADDRESS = re.compile(
    rf"(?<![\w-])(?:[a-zäöüßA-ZÄÖÜ][a-zäöüß]+er[ ]{_LOWER_STREET_END}"
    rf"|[a-zäöüß]{{3,}}(?:-[a-zäöüß]+)*-?{_LOWER_STREET_END})"
    r"[ ]?[1-9]\d{0,2}[a-z]?(?![\w]|[:.,]\d)"
)


def _lower_addresses(text: str) -> list[Found]:
    found = []
    for m in _LOWER_ADDRESS.finditer(text):
        next_word = re.match(r"\s*([\w€]+)", text[m.end() :])
        if next_word and next_word.group(1).capitalize() in _COUNT_WORDS:
            continue  # "am platz 3 leute"
        tail = _POSTCODE_CITY.match(text, m.end()) or _LOWER_POSTCODE_CITY.match(text, m.end())
        found.append((m.start(), tail.end() if tail else m.end()))
    return found


_LOWER_POSTCODE_CITY = re.compile(r"(?:,?[ ]|[ ]in[ ])\d{5}[ ][a-zäöü]+(?:-[a-zäöü]+)*(?:[ ]\(saale\)|[ ]?/[ ]?saale)?")


def find_addresses(text: str) -> list[Found]:
    """Street names with a house number ("Leipziger Straße 12", "Große Ulrichstr. 5a", "Am Steintor 3");
    a street without a number ("an der Haltestelle Marktplatz") stays, and so does a count ("Reileck 3 Männer")."""
    found = _lower_addresses(text) if _HAS_LOWER_STREET.search(text) else []
    never = never_names()
    # Start from the house numbers, which are rare, and look for a street ending right before each: far cheaper
    # than trying the street pattern at every capitalised word.
    for number in _HOUSE_NUMBER.finditer(text):
        window = max(0, number.start() - _MAX_STREET)
        if not _street_hint(text[window : number.start()]):
            continue  # "Linie 2", "Wagen 654": no street word, ending, prefix or stop name right before
        m = _address_re().search(text, window, number.start())
        if m is None:
            continue
        start = m.start()
        street = m.group("street")
        # Drop leading words the adjective slot swallowed ("Höhe Leipziger Straße 12" -> "Leipziger Straße 12"),
        # but never split a prefix such as "Auf dem".
        words = street.split(" ")
        while (
            len(words) > 1
            and words[0] in never
            and words[0] not in _ADJ_KEEP
            and words[0] not in STREET_WORDS
            and not _PREFIX_ONLY.match(" ".join(words[:2]))
            and not _PREFIX_ONLY.match(words[0])
        ):
            start += len(words[0]) + 1
            words = words[1:]
        if (
            len(words) > 1
            and len(words[0]) > _MAX_ADJECTIVE
            and not words[0].endswith("er")
            and words[0] not in _ADJ_KEEP
        ):
            start += len(words[0]) + 1  # "Anwohnerbeschwerde Sophienstraße 28": a compound noun, no adjective
            words = words[1:]
        start, words = _drop_leading_noun(start, words)
        noun = words[-1]
        # "Am Hohen Ufer 4", "Am Alten Markt 2": a capitalised adjective between prefix and noun makes a street name
        # of a common noun, which after a bare prefix is no street ("Im Januar 12 Fälle", "Am Montag 3 Männer").
        named = _PREFIX_ADJECTIVE.match(" ".join(words)) is not None
        if noun in common_words() and noun not in STREET_WORDS and not named:
            continue
        if _not_a_street(noun) and not named and (len(words) == 1 or _PREFIX_RE.match(" ".join(words))):
            continue
        next_word = re.match(r"\s*([\w€]+)", text[number.end() :])
        if next_word and next_word.group(1) in _COUNT_WORDS:
            continue
        tail = _POSTCODE_CITY.match(text, number.end())
        found.append((start, tail.end() if tail else number.end()))
    if _POSTCODE.search(text):
        found.extend(_before_postcode(text, found))
    return found


_POSTCODE = re.compile(r"\b\d{5}[ ][A-ZÄÖÜ]")
# "Saalgärten 3, 06108 Halle": a street name without a street ending is an address before a postcode and town.
_NAME_NUMBER_POSTCODE = re.compile(
    rf"(?<![\w.-])([A-ZÄÖÜ][a-zäöüß]{_L}*(?:-{_L}+)*(?:[ ][A-ZÄÖÜ][a-zäöüß]{_L}*)?)"
    rf"[ ][1-9]\d{{0,2}}[a-z]?(?=,?[ \n]\d{{5}}[ ][A-ZÄÖÜ])"
)


def _before_postcode(text: str, found: list[Found]) -> list[Found]:
    out: list[Found] = []
    for m in _NAME_NUMBER_POSTCODE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in found):
            continue
        if any(w in never_names() or w in common_words() for w in m.group(1).split(" ")):
            continue
        start, _ = _drop_leading_noun(m.start(), m.group(1).split(" "))  # "Wohnanschrift Südstr 21, 06132 Halle"
        tail = _POSTCODE_CITY.match(text, m.end())
        out.append((start, tail.end() if tail else m.end()))
    return out
