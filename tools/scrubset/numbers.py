"""Fictitious but realistic-looking personal numbers in the many ways people write them (seeded random)."""

from __future__ import annotations

import random
import string

from tools.scrubset import pools

MOBILE = ["0151", "0152", "0157", "0159", "0160", "0162", "0163", "0170", "0171", "0172", "0173", "0174", "0175"]
MOBILE += ["0176", "0177", "0178", "0179", "01511", "01520", "01522", "01573", "01575", "01577", "01590"]
LANDLINE = ["0345", "0345", "0345", "0345", "03461", "034602", "0341", "034606", "03475", "030"]
FOREIGN_PHONES = [
    "+48 {3} {3} {3}",
    "+40 7{2} {3} {3}",
    "+380 {2} {3} {2} {2}",
    "+90 5{2} {3} {2} {2}",
    "+7 9{2} {3}-{2}-{2}",
    "+33 6 {2} {2} {2} {2}",
    "+43 664 {7}",
    "+420 {3} {3} {3}",
    "+31 6 {8}",
    "+963 9{2} {3} {3}",
    "+221 77 {3} {2} {2}",
]
ID_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"
FIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
WMI = ["WVW", "WBA", "WDB", "WDD", "VF1", "VF3", "ZFA", "TMB", "WF0", "W0L", "WAU", "YV1", "VSS", "UU1", "WMW", "KMH"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November"]
MONTHS += ["Dezember"]
BANK_CODES = [
    "80053762",
    "80020086",
    "80040000",
    "80070024",
    "86055592",
    "80063508",
    "10090000",
    "12030000",
    "80093784",
]


def digits(rng: random.Random, n: int) -> str:
    """n random digits."""
    return "".join(rng.choice(string.digits) for _ in range(n))


def pairs_from_right(number: str) -> str:
    """'017612345678' -> '01 76 12 34 56 78', '1234567' -> '1 23 45 67'."""
    head = len(number) % 2
    parts = [number[:head]] if head else []
    parts += [number[i : i + 2] for i in range(head, len(number), 2)]
    return " ".join(parts)


def _german_phone(rng: random.Random, prefix: str, sub: str) -> str:
    """One of many ways to write a German number with area or mobile prefix ``prefix``."""
    national = prefix[1:]
    half = len(sub) // 2
    styles = [
        f"{prefix} {sub}",
        f"{prefix}/{sub}",
        f"{prefix}-{sub}",
        f"{prefix} {sub[:half]} {sub[half:]}",
        f"+49 {national} {sub}",
        f"+49 (0){national} {sub}",
        f"0049 {national} {sub}",
        f"0049{national}{sub}",
        pairs_from_right(prefix + sub),
        f"{prefix} {pairs_from_right(sub)}",
        f"{prefix} / {pairs_from_right(sub)}",
        f"{prefix}.{sub[:3]}.{sub[3:]}",
        f"({prefix}) {sub}",
        f"+49{national}{sub}",
        f"{prefix} - {sub[:3]} {sub[3:]}",
        f"{prefix}{sub}",
    ]
    return rng.choice(styles)


def mobile(rng: random.Random) -> str:
    """A German mobile number as someone might write it."""
    prefix = rng.choice(MOBILE)
    return _german_phone(rng, prefix, digits(rng, 11 - len(prefix) + rng.choice((0, 1))))


def landline(rng: random.Random) -> str:
    """A landline number, now and then with an extension."""
    prefix = rng.choice(LANDLINE)
    sub = str(rng.randint(2, 9)) + digits(rng, rng.choice((5, 6)))
    if rng.random() < 0.15:
        return f"{prefix} {sub[:-2]}-{sub[-2:]}"
    return _german_phone(rng, prefix, sub)


def foreign_phone(rng: random.Random) -> str:
    """A foreign number in its usual grouping."""
    template = rng.choice(FOREIGN_PHONES)
    out = template
    for n in (8, 7, 3, 2):
        while "{" + str(n) + "}" in out:
            out = out.replace("{" + str(n) + "}", digits(rng, n), 1)
    return out


def phone(rng: random.Random) -> str:
    """Any phone number: mostly mobile, some landline, some foreign."""
    roll = rng.random()
    if roll < 0.55:
        return mobile(rng)
    if roll < 0.85:
        return landline(rng)
    return foreign_phone(rng)


def german_plate(rng: random.Random) -> str:
    """A German plate in one of the written forms (hyphen, spaces, glued, E or H suffix)."""
    district = rng.choice(pools.DISTRICTS)
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.choice((1, 2, 2, 2))))
    room = 8 - len(district) - len(letters)
    number = str(rng.randint(1, 10 ** min(4, room) - 1))
    suffix = rng.choice(("", "", "", "", "", "", "E", "H"))
    forms = [
        f"{district}-{letters} {number}{suffix}",
        f"{district}-{letters} {number}{suffix}",
        f"{district}-{letters} {number}{suffix}",
        f"{district} {letters} {number}{suffix}",
        f"{district} {letters}{number}{suffix}",
        f"{district}-{letters}{number}{suffix}",
        f"{district}-{letters}-{number}{suffix}",
        f"{district}{letters}{number}{suffix}",
    ]
    return rng.choice(forms)


def partial_plate(rng: random.Random) -> str:
    """The beginning of a plate, as a witness remembers it."""
    district = rng.choice(pools.DISTRICTS[:8])
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.choice((1, 2))))
    forms = [f"{district}-{letters}", f"{district}-{letters[0]}"]
    if len(letters) == 2 and len(district) > 1:
        forms.append(f"{district} {letters}")
    return rng.choice(forms)


def _iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(ch, 36)) for ch in (bban + country + "00"))
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def iban(rng: random.Random) -> str:
    """A German (mostly) or foreign IBAN with correct check digits, grouped, compact or lower case."""
    letters = string.ascii_uppercase
    foreign = {
        "AT": lambda: digits(rng, 16),
        "PL": lambda: digits(rng, 24),
        "NL": lambda: "".join(rng.choice(letters) for _ in range(4)) + digits(rng, 10),
        "FR": lambda: (
            digits(rng, 10) + "".join(rng.choice(letters + string.digits) for _ in range(11)) + digits(rng, 2)
        ),
        "ES": lambda: digits(rng, 20),
        "IT": lambda: rng.choice(letters) + digits(rng, 22),
        "RO": lambda: "".join(rng.choice(letters) for _ in range(4)) + digits(rng, 16),
        "TR": lambda: digits(rng, 5) + "0" + digits(rng, 16),
        "BG": lambda: "".join(rng.choice(letters) for _ in range(4)) + digits(rng, 14),
        "CZ": lambda: digits(rng, 20),
        "UA": lambda: digits(rng, 25),
    }
    if rng.random() < 0.7:
        compact = _iban("DE", rng.choice(BANK_CODES) + digits(rng, 10))
    else:
        country = rng.choice(sorted(foreign))
        compact = _iban(country, foreign[country]())
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return rng.choice((grouped, grouped, grouped, compact, compact.lower() if rng.random() < 0.3 else compact))


def date_of_birth(rng: random.Random) -> str:
    """A date of birth between 1932 and 2013 in one of the usual German forms."""
    year, month, day = rng.randint(1932, 2013), rng.randint(1, 12), rng.randint(1, 28)
    forms = [
        f"{day:02d}.{month:02d}.{year}",
        f"{day:02d}.{month:02d}.{year}",
        f"{day}.{month}.{year}",
        f"{day:02d}.{month:02d}.{year % 100:02d}",
        f"{year}-{month:02d}-{day:02d}",
        f"{day}. {MONTHS[month - 1]} {year}",
        f"{day:02d}. {MONTHS[month - 1][:3]}. {year}",
        f"{day:02d}/{month:02d}/{year}",
    ]
    return rng.choice(forms)


def _icao_check(value: str) -> str:
    weights = (7, 3, 1)
    return str(sum(int(ch, 36) * weights[i % 3] for i, ch in enumerate(value)) % 10)


def id_card(rng: random.Random) -> str:
    """A German ID card number (9 characters), sometimes with its check digit."""
    number = rng.choice("LMNPRTVWXY") + "".join(rng.choice(ID_ALPHABET) for _ in range(8))
    return number + _icao_check(number) if rng.random() < 0.3 else number


def passport(rng: random.Random) -> str:
    """A German passport number (C followed by 8 characters)."""
    return "C" + "".join(rng.choice(ID_ALPHABET) for _ in range(8))


def steuer_id(rng: random.Random) -> str:
    """An 11-digit tax id: one digit twice in the first ten, check digit by ISO 7064 MOD 11,10."""
    chosen = rng.sample(string.digits, 9)
    if chosen[0] == "0":
        chosen[0], chosen[1] = chosen[1], chosen[0]
    chosen.insert(rng.randint(1, 9), chosen[rng.randint(0, 8)])
    first = "".join(chosen)
    product = 10
    for ch in first:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    check = 11 - product
    number = first + ("0" if check == 10 else str(check))
    if rng.random() < 0.5:
        return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    return number


def social_security(rng: random.Random) -> str:
    """A German social security number: area, birth date, initial, serial and check digit."""
    area = rng.choice(("02", "04", "08", "09", "10", "12", "13", "14", "15", "16", "17", "18", "19", "65"))
    birth = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(40, 99):02d}"
    letter = rng.choice("ABDEFGHKLMNPRSTWZ")
    serial = f"{rng.randint(0, 99):02d}"
    body = area + birth + f"{ord(letter) - 64:02d}" + serial
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    check = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(body, weights, strict=True)) % 10
    if rng.random() < 0.5:
        return f"{area} {birth} {letter} {serial}{check}"
    return f"{area}{birth}{letter}{serial}{check}"


def licence(rng: random.Random) -> str:
    """A German driving licence number (11 characters)."""
    authority = rng.choice(("B072", "J010", "F0N4", "N0HA", "L05R", "K1T0"))
    serial = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(5))
    return authority + serial + str(rng.randint(0, 9)) + str(rng.randint(1, 3))


def vin(rng: random.Random) -> str:
    """A 17-character vehicle identification number."""
    body = "".join(rng.choice(FIN_ALPHABET) for _ in range(3))
    year = rng.choice("ABCDEFGHJKLMNPRSTVWXY123456789")
    return rng.choice(WMI) + "ZZZ" + body + year + rng.choice(FIN_ALPHABET) + digits(rng, 6)
