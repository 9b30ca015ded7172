"""Made-up personal values in the many ways people write them, with correct check digits where the real format has one.

Every function takes the build's `random.Random` and returns a list of segments `(text, label)`; `label` is None
for words around a value that are not part of it ("Herr", "geb."), so that the span boundaries the labelling guide
(tests/data/SCRUB_LABELS.md) asks for come out of the generator and not out of a later search.
"""

from __future__ import annotations

import random
import string

from tools.scrubset2 import names as N
from tools.scrubset2 import places as P

Seg = tuple[str, str | None]
Segs = list[Seg]

# --- names -------------------------------------------------------------------------------------------------


def origin(rng: random.Random) -> str:
    keys = sorted(N.ORIGIN_WEIGHTS)
    return rng.choices(keys, weights=[N.ORIGIN_WEIGHTS[k] for k in keys])[0]


def given(rng: random.Random, sex: str = "", org: str = "") -> str:
    o = N.ORIGINS[org or origin(rng)]
    sex = sex or rng.choice("mf")
    if rng.random() < 0.06 and (org in ("", "de")):
        return rng.choice(N.DOUBLE_GIVEN_M if sex == "m" else N.DOUBLE_GIVEN_F)
    return rng.choice(o.given_m if sex == "m" else o.given_f)


def _agree(sur: str, sex: str, org: str) -> str:
    """Polish, Russian and Greek surnames agree with the person's sex (Kowalski/Kowalska, Iwanow/Iwanowa,
    Papadopoulos/Papadopoulou); others do not."""
    if org == "gr":
        if sex == "f" and sur.endswith("os"):
            return sur[:-2] + "ou"
        if sex == "f" and sur.endswith("is"):
            return sur[:-1]
        return sur
    if org not in ("pl", "ru"):
        return sur
    if sur.endswith("ski") and sex == "f":
        return sur[:-1] + "a"
    if sur.endswith("ska") and sex == "m":
        return sur[:-1] + "i"
    if sur.endswith("cki") and sex == "f":
        return sur[:-1] + "a"
    if sur.endswith(("ow", "ew", "in")) and sex == "f" and not sur.endswith("owa"):
        return sur + "a"
    if sur.endswith("owa") and sex == "m":
        return sur[:-1]
    return sur


def surname(rng: random.Random, sex: str = "", org: str = "") -> str:
    org = org or origin(rng)
    r = rng.random()
    if org == "de" and r < 0.18:
        return rng.choice(N.WORD_SURNAMES)
    if org == "de" and r < 0.24:
        return rng.choice(N.DOUBLE_SURNAMES)
    if org == "de" and r < 0.28:
        return rng.choice(N.PARTICLE_NAMES)
    sur = rng.choice(N.ORIGINS[org].surnames)
    return _agree(sur, sex or "m", org)


def person(rng: random.Random, sex: str = "", org: str = "") -> tuple[str, str]:
    """A given name and a surname that belong together (same origin and sex)."""
    org = org or origin(rng)
    sex = sex or rng.choice("mf")
    return given(rng, sex, org), surname(rng, sex, org)


def name(rng: random.Random, spec: str = "", pair: tuple[str, str] | None = None) -> Segs:  # noqa: C901 - one branch a form
    """A name in one of the forms people write. spec: 'm'/'f' for sex, then a form after a dot.

    forms: full, given, sur, init (M. Schulz), ginit (Kevin S.), comma (SCHULZ, Kevin), upper (SCHULZ Kevin),
    lower (kevin schulz), word (a surname that is also a word), nick, any.
    """
    sex, _, form = spec.partition(".")
    sex = sex or rng.choice("mf")
    org = origin(rng)
    if "/" in form:
        form, org = form.split("/", 1)
    g, s = pair or person(rng, sex, org)
    if not form or form == "any":
        form = rng.choices(
            ["full", "given", "sur", "init", "ginit", "comma", "upper", "lower"],
            weights=[40, 10, 18, 6, 8, 6, 5, 7],
        )[0]
    if form == "full":
        v = f"{g} {s}"
    elif form == "given":
        v = g
    elif form == "sur":
        v = s
    elif form == "word":
        v = rng.choice(N.WORD_SURNAMES)
    elif form == "init":
        v = f"{g[0]}. {s}" if "-" not in g else f"{g[0]}.-{g.split('-')[1][0]}. {s}"
    elif form == "ginit":
        v = f"{g} {s[0].upper()}."
    elif form == "comma":
        v = f"{s.upper() if rng.random() < 0.5 else s}, {g}"
    elif form == "upper":
        v = f"{s.upper()} {g}" if rng.random() < 0.5 else f"{g} {s.upper()}"
    elif form == "lower":
        v = f"{g} {s}".lower() if rng.random() < 0.7 else g.lower()
    elif form == "nick":
        v = rng.choice(N.NICKNAMES)
    else:
        raise ValueError(form)
    return [(v, "NAME")]


# --- phone numbers -----------------------------------------------------------------------------------------

_MOBILE = (
    "0151",
    "0152",
    "0157",
    "0159",
    "0160",
    "0162",
    "0163",
    "0170",
    "0171",
    "0172",
    "0173",
    "0174",
    "0175",
    "0176",
    "0177",
    "0178",
    "0179",
    "0155",
    "01520",
    "01575",
)
_LAND = ("0345", "0345", "0345", "03461", "0341", "030", "0391", "034602", "03464", "0340", "034605")


def _pair(rng: random.Random) -> str:
    return f"{rng.randint(0, 99):02d}"


def _pairs_from_right(d: str) -> str:
    out: list[str] = []
    while len(d) > 2:
        out.insert(0, d[-2:])
        d = d[:-2]
    out.insert(0, d)
    return " ".join(out)


def phone(rng: random.Random, kind: str = "") -> Segs:  # noqa: C901 - one branch a way of writing
    kind = kind or rng.choice(["mob", "mob", "land"])
    if kind == "foreign":
        v = rng.choice(
            [
                f"+48 {rng.randint(500, 799)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                f"+40 7{rng.randint(20, 79)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                f"+380 {rng.choice(['50', '67', '93'])} {rng.randint(100, 999)} {_pair(rng)} {_pair(rng)}",
                f"0048 {rng.randint(500, 799)}{rng.randint(100000, 999999)}",
                f"+90 5{rng.randint(30, 59)} {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                f"+420 {rng.randint(600, 799)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            ]
        )
        return [(v, "PHONE")]
    if kind == "mob":
        pre = rng.choice(_MOBILE)
        # Subscriber lengths as the Bundesnetzagentur plan has them: 015x eight digits, 0152x/0157x seven,
        # 016x/017x seven or eight.
        n = (8 if len(pre) == 4 else 7) if pre.startswith("015") else rng.choice((7, 8))
        sub = str(rng.randint(2 * 10 ** (n - 1), 10**n - 1))
    else:
        pre = rng.choice(_LAND)
        n = 9 - len(pre) + 3 if pre != "0345" else 6
        n = max(5, min(n, 7))
        sub = str(rng.randint(10 ** (n - 1), 10**n - 1))
    nat = pre[1:]
    style = rng.randrange(14)
    if style == 0:
        v = f"{pre} {sub}"
    elif style == 1:
        v = f"{pre}/{sub}"
    elif style == 2:
        v = f"{pre}-{sub}"
    elif style == 3:
        v = f"{pre}{sub}"
    elif style == 4:
        v = f"+49 {nat} {sub}"
    elif style == 5:
        v = f"+49{nat}{sub}"
    elif style == 6:
        v = f"0049 {nat} {sub}"
    elif style == 7:
        v = f"{pre} {_pairs_from_right(sub)}"
    elif style == 8:
        v = f"{pre}.{'.'.join(_pairs_from_right(sub).split())}"
    elif style == 9:
        v = f"({pre}) {sub}"
    elif style == 10:
        v = f"+49 (0){nat} {sub}"
    elif style == 11:
        v = f"{pre} / {_pairs_from_right(sub)}"
    elif style == 12:
        v = f"{pre} {sub[:3]} {sub[3:]}"
    else:
        v = f"+49-{nat}-{sub}"
    return [(v, "PHONE")]


def office_phone(rng: random.Random) -> Segs:
    v = rng.choice(
        [
            f"0345 221-{rng.randint(1000, 9999)}",
            f"0345/221{rng.randint(1000, 9999)}",
            f"0345 224-{rng.randint(1000, 9999)}",
            f"0345 581 {rng.randint(10, 99)} {rng.randint(10, 99)}",
            f"+49 345 221 {rng.randint(1000, 9999)}",
        ]
    )
    return [(v, "PHONE")]


# --- plates ------------------------------------------------------------------------------------------------

_DIST = (
    "HAL",
    "HAL",
    "HAL",
    "HAL",
    "SK",
    "SK",
    "MQ",
    "L",
    "B",
    "BLK",
    "WSF",
    "ABI",
    "DE",
    "MD",
    "BTF",
    "SGH",
    "ML",
    "NMB",
    "LDS",
    "KÖT",
    "SLK",
    "BK",
    "HZ",
    "WB",
    "TO",
    "EE",
    "DD",
    "M",
    "HH",
    "SAW",
)
_LET = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _letters(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(_LET) for _ in range(k))


def plate(rng: random.Random, kind: str = "") -> Segs:  # noqa: C901 - one branch a spelling
    kind = kind or rng.choices(["de", "partial", "foreign"], weights=[70, 12, 18])[0]
    if kind == "de":
        d = rng.choice(_DIST)
        le = "".join(rng.choice(_LET) for _ in range(rng.choice((1, 2, 2, 2))))
        num = str(rng.randint(1, 9999))
        suf = rng.choice(("", "", "", "", "", "", "E", "H"))
        sep = rng.randrange(9)
        if sep == 0:
            v = f"{d}-{le} {num}{suf}"
        elif sep == 1:
            v = f"{d} {le} {num}{suf}"
        elif sep == 2:
            v = f"{d}-{le}{num}{suf}"
        elif sep == 3:
            v = f"{d} {le}{num}{suf}".lower()
        elif sep == 4:
            v = f"{d}{le}{num}{suf}".lower()
        elif sep == 5:
            v = f"{d}  {le}  {num}{suf}"
        elif sep == 6:
            v = f"{d}{le} {num}{suf}"
        elif sep == 7:
            v = f"{d}-{le}-{num}{suf}"
        else:
            v = f"{d}-{le} {num}{suf}"
        return [(v, "PLATE")]
    if kind == "partial":
        d = rng.choice(_DIST[:8])
        le = "".join(rng.choice(_LET) for _ in range(rng.choice((1, 2))))
        form = rng.randrange(4)
        if form == 0:
            return [(f"{d}-{le}", "PLATE"), ("…", None)]
        if form == 1:
            return [(f"{d}-{le}", "PLATE"), ("..", None)]
        if form == 2:
            return [(f"{d} {le} {rng.randint(1, 9)}", "PLATE"), ("..", None)]
        return [(f"{d}-{le}", "PLATE"), (" (Rest unleserlich)", None)]
    # foreign: value and the country word around it come from the template; here the value only.
    v = rng.choice(
        [
            f"W{rng.choice('PRGOW')}{rng.choice(_LET)} {rng.randint(10000, 99999)}",  # PL
            f"{rng.randint(1, 9)}{rng.choice('SABUCTLPJ')}{rng.choice(_LET)} {rng.randint(1000, 9999)}",  # CZ
            f"{rng.choice(_LET)}{rng.choice(_LET)}-{rng.randint(100, 999)}-{rng.choice(_LET)}",  # NL
            f"{rng.choice(['AA', 'AI', 'BC', 'KA', 'AX'])} {rng.randint(1000, 9999)} {_letters(rng, 2)}",  # UA
            f"{rng.choice(['B', 'CJ', 'TM', 'IS'])} {rng.randint(10, 99)} {_letters(rng, 3)}",  # RO
            f"{rng.choice(['CA', 'PB', 'CB'])} {rng.randint(1000, 9999)} {rng.choice(_LET)}{rng.choice(_LET)}",  # BG
            f"{rng.choice(_LET)}{rng.choice(_LET)}-{rng.randint(100, 999)}-{rng.choice(_LET)}{rng.choice(_LET)}",  # F
            f"{rng.randint(100, 999)} {''.join(rng.choice(_LET) for _ in range(3))}",  # moped insurance
        ]
    )
    return [(v, "PLATE")]


def foreign_plate(rng: random.Random) -> tuple[str, str]:
    """A foreign plate with the country it belongs to, as (country word, plate)."""
    c = rng.choice(["PL", "CZ", "NL", "UA", "RO", "BG"])
    if c == "PL":
        v = f"{rng.choice(['W', 'K', 'D', 'P', 'E', 'G'])}{_letters(rng, 2)} {rng.randint(10000, 99999)}"
    elif c == "CZ":
        v = f"{rng.randint(1, 9)}{rng.choice('SABUCTLPJ')}{rng.randint(1, 9)} {rng.randint(1000, 9999)}"
    elif c == "NL":
        v = f"{rng.randint(1, 99)}-{''.join(rng.choice(_LET) for _ in range(3))}-{rng.randint(1, 9)}"
    elif c == "UA":
        v = f"{rng.choice(['AA', 'AI', 'BC', 'KA', 'AX', 'BI'])} {rng.randint(1000, 9999)} {_letters(rng, 2)}"
    elif c == "RO":
        v = f"{rng.choice(['B', 'CJ', 'TM', 'IS', 'DJ'])} {rng.randint(10, 99)} {_letters(rng, 3)}"
    else:
        v = f"{rng.choice(['CA', 'PB', 'CB', 'BT'])} {rng.randint(1000, 9999)} {rng.choice(_LET)}{rng.choice(_LET)}"
    return c, v


# --- bank, birth, address, e-mail ---------------------------------------------------------------------------


def _iban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00"))
    return f"{98 - int(digits) % 97:02d}"


def _es_dc(digits: str) -> str:
    """One of the two Spanish national check digits (código de control)."""
    w = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)
    d = 11 - sum(int(c) * wi for c, wi in zip(digits, w, strict=True)) % 11
    return str({11: 0, 10: 1}.get(d, d))


def iban(rng: random.Random, kind: str = "") -> Segs:  # noqa: C901 - one branch a country
    if kind == "foreign":
        kind = rng.choice(["PL", "AT", "NL", "RO", "ES", "IT"])
    kind = kind or rng.choice(["DE", "DE", "DE", "DE", "PL", "AT", "NL", "RO", "ES", "IT"])
    if kind == "DE":
        bban = (
            rng.choice(["80053762", "80050000", "80063508", "86010090", "10010010", "43060967", "50010517", "12030000"])
            + f"{rng.randint(0, 10**10 - 1):010d}"
        )
    elif kind == "PL":
        bban = "".join(str(rng.randint(0, 9)) for _ in range(24))
    elif kind == "AT":
        bban = "".join(str(rng.randint(0, 9)) for _ in range(16))
    elif kind == "NL":
        bban = rng.choice(["INGB", "ABNA", "RABO"]) + "".join(str(rng.randint(0, 9)) for _ in range(10))
    elif kind == "RO":
        bban = rng.choice(["BTRL", "RNCB", "BRDE"]) + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)
        )
    elif kind == "ES":
        bank = "".join(str(rng.randint(0, 9)) for _ in range(8))
        acct = "".join(str(rng.randint(0, 9)) for _ in range(10))
        bban = bank + _es_dc("00" + bank) + _es_dc(acct) + acct
    else:
        bban = rng.choice(string.ascii_uppercase) + "".join(str(rng.randint(0, 9)) for _ in range(22))
    full = kind + _iban_check(kind, bban) + bban
    f = rng.randrange(5)
    if f == 0:
        v = full
    elif f in (1, 2):
        v = " ".join(full[i : i + 4] for i in range(0, len(full), 4))
    elif f == 3:
        v = full.lower() if rng.random() < 0.5 else " ".join(full[i : i + 4] for i in range(0, len(full), 4)).lower()
    else:
        v = full[:4] + " " + full[4:]
    return [(v, "IBAN")]


_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def dob(rng: random.Random, young: bool = False) -> Segs:
    y = rng.randint(2004, 2013) if young else rng.randint(1941, 2008)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28 if rng.random() < 0.97 else 31)
    f = rng.randrange(10)
    if f == 0:
        v = f"{d:02d}.{m:02d}.{y}"
    elif f == 1:
        v = f"{d}.{m}.{y % 100:02d}"
    elif f == 2:
        v = f"{y}-{m:02d}-{d:02d}"
    elif f == 3:
        v = f"{d}. {_MONTHS[m - 1]} {y}"
    elif f == 4:
        v = f"{d}.{m}.{y}"
    elif f == 5:
        v = f"{d:02d}/{m:02d}/{y}"
    elif f == 6:
        v = f"{d:02d}.{m:02d}.{y % 100:02d}"
    elif f == 7:
        v = f"{d:02d}{m:02d}{y % 100:02d}"
    elif f == 8:
        v = f"{d}.{_MONTHS[m - 1][:3]}. {y}" if m != 5 else f"{d}. Mai {y}"
    else:
        v = f"{d:02d}. {m:02d}. {y}"
    return [(v, "DOB")]


def house_no(rng: random.Random) -> str:
    n = str(rng.choices([rng.randint(1, 30), rng.randint(31, 140)], weights=[4, 1])[0])
    r = rng.random()
    if r < 0.1:
        n += rng.choice("abc")
    elif r < 0.13:
        n += " " + rng.choice("ab")
    elif r < 0.16:
        n += f"-{int(n.rstrip('abc ') or 1) + 2}"
    return n


def street_form(rng: random.Random, st: str) -> str:
    if rng.random() < 0.25 and st.endswith("straße"):
        return st[: -len("straße")] + rng.choice(["str.", "str", "strasse", "str."])
    if rng.random() < 0.1 and st.endswith(" Straße"):
        return st[: -len("Straße")] + "Str."
    return st


_FOREIGN_ADR = (
    lambda r: (
        f"ul. {r.choice(['Długa', 'Piotrkowska', 'Mickiewicza', 'Słowackiego'])} {r.randint(1, 80)}, "
        f"{r.randint(10, 99)}-{r.randint(100, 999)} {r.choice(['Wrocław', 'Poznań', 'Łódź', 'Szczecin'])}"
    ),
    lambda r: (
        f"Strada {r.choice(['Republicii', 'Mihai Viteazu', 'Unirii'])} {r.randint(1, 60)}, "
        f"{r.choice(['Cluj-Napoca', 'Timișoara', 'Iași'])}"
    ),
    lambda r: (
        f"{r.choice(['Vítězná', 'Husova', 'Masarykova'])} {r.randint(1, 40)}, {r.randint(100, 799)} 00 "
        f"{r.choice(['Praha', 'Brno', 'Plzeň'])}"
    ),
    lambda r: (
        f"vul. {r.choice(['Schewtschenka', 'Sadowa', 'Franka'])} {r.randint(1, 90)}, "
        f"{r.choice(['Lwiw', 'Kyjiw', 'Charkiw'])}"
    ),
    lambda r: (
        f"{r.choice(['Atatürk Cad.', 'Cumhuriyet Cad.'])} No. {r.randint(1, 120)}, "
        f"{r.choice(['Gaziantep', 'Izmir', 'Adana'])}"
    ),
)


def address(rng: random.Random, kind: str = "") -> Segs:
    kind = kind or rng.choice(["short", "short", "plz", "city"])
    if kind == "foreign":
        return [(rng.choice(_FOREIGN_ADR)(rng), "ADDRESS")]
    if kind == "other":
        plz, town, streets = rng.choice(P.OTHER_TOWNS)
        return [(f"{rng.choice(streets)} {house_no(rng)}, {plz} {town}", "ADDRESS")]
    st = street_form(rng, rng.choice(P.STREETS))
    v = f"{st} {house_no(rng)}"
    if kind == "plz":
        v += f", {rng.choice(P.HALLE_PLZ)} Halle" + rng.choice(["", "", " (Saale)", "/Saale", " (S.)"])
    elif kind == "city":
        v += rng.choice([" in Halle", ", Halle", " Halle"])
        if v.endswith(" in Halle"):
            return [(v[: -len(" in Halle")], "ADDRESS"), (" in Halle", None)]
    return [(v, "ADDRESS")]


def _ascii(s: str) -> str:
    tr = str.maketrans(
        {
            "ä": "ae",
            "ö": "oe",
            "ü": "ue",
            "ß": "ss",
            "ł": "l",
            "ś": "s",
            "ż": "z",
            "ą": "a",
            "ę": "e",
            "ć": "c",
            "ń": "n",
            "ó": "o",
            "ș": "s",
            "ț": "t",
            "ă": "a",
            "ı": "i",  # noqa: RUF001 - Turkish dotless i
            "ş": "s",
            "ç": "c",
            "ğ": "g",
            "é": "e",
            "á": "a",
            "í": "i",
            "ú": "u",
            "ï": "i",
            "î": "i",
            "ê": "e",
            "û": "u",
            "â": "a",
            "ã": "a",
            "ô": "o",
            "ñ": "n",
            "è": "e",
        }
    )
    return s.lower().translate(tr)


_DOMAINS = (
    "gmx.de",
    "web.de",
    "t-online.de",
    "gmail.com",
    "yahoo.de",
    "freenet.de",
    "posteo.de",
    "icloud.com",
    "outlook.de",
    "online.de",
    "mail.ru",
    "wp.pl",
    "hotmail.com",
)


def email(rng: random.Random, g: str = "", s: str = "") -> Segs:
    if not g:
        g, s = person(rng)
    g2 = _ascii(g.split()[0].split("-")[0])
    s2 = _ascii(s.replace(" ", "").replace("-", ""))
    local = rng.choice(
        [
            f"{g2}.{s2}",
            f"{g2[0]}.{s2}",
            f"{s2}{rng.randint(60, 99)}",
            f"{g2}{rng.randint(1, 2005)}",
            f"{g2}_{s2}",
            f"{s2}.{g2}",
            f"{g2}-{s2[:3]}",
            f"{s2}{g2[0]}",
        ]
    )
    dom = rng.choice(_DOMAINS)
    f = rng.randrange(8)
    if f == 5:
        v = f"{local}(at){dom}"
    elif f == 6:
        v = f"{local} [at] {dom}"
    elif f == 7:
        v = f"{local} at {dom.replace('.', ' dot ') if rng.random() < 0.3 else dom}"
    else:
        v = f"{local}@{dom}"
    return [(v, "EMAIL")]


def office_email(rng: random.Random, g: str, s: str) -> Segs:
    dom = rng.choice(["halle.de", "polizei.sachsen-anhalt.de", "havag.com", "stadt-halle.de"])
    return [(f"{_ascii(g.split()[0])}.{_ascii(s.replace(' ', '-'))}@{dom}", "EMAIL")]


# --- ID numbers -------------------------------------------------------------------------------------------

_DOC = "CFGHJKLMNPRTVWXYZ0123456789"


def _icao(s: str) -> int:
    w = (7, 3, 1)
    tot = 0
    for i, ch in enumerate(s):
        val = int(ch) if ch.isdigit() else ord(ch) - 55
        tot += val * w[i % 3]
    return tot % 10


def id_card(rng: random.Random) -> str:
    """A German ID card / residence title number: 9 characters, optionally with the ICAO check digit."""
    s = rng.choice("LMNPRTVWXYZ") + "".join(rng.choice(_DOC) for _ in range(8))
    return s + str(_icao(s)) if rng.random() < 0.35 else s


def passport(rng: random.Random) -> str:
    s = "C" + "".join(rng.choice(_DOC) for _ in range(8))
    return s + str(_icao(s)) if rng.random() < 0.3 else s


def residence(rng: random.Random) -> str:
    s = rng.choice("YZ") + "".join(rng.choice(_DOC) for _ in range(8))
    return s


def tax_id(rng: random.Random) -> str:
    """Steuer-ID: 11 digits, first not 0, in the first ten one digit twice (or thrice), ISO 7064 check digit."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(9)]
        counts = [digits.count(d) for d in set(digits)]
        if sorted(counts, reverse=True)[0] in (2, 3) and sum(1 for c in counts if c > 1) == 1:
            break
    prod = 10
    for d in digits:
        total = (d + prod) % 10 or 10
        prod = (total * 2) % 11
    check = (11 - prod) % 10
    s = "".join(map(str, digits)) + str(check)
    f = rng.randrange(4)
    if f == 0:
        return f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}"
    if f == 1:
        return f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}"
    return s


def social_security(rng: random.Random, sur: str = "") -> str:
    """Rentenversicherungsnummer: area, birth date, initial, serial, check digit."""
    area = rng.choice(["12", "13", "15", "65", "53", "24"])
    bd = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}"
    letter = (sur[:1] or rng.choice("ABKMSW")).upper()
    if not ("A" <= letter <= "Z"):
        letter = "K"
    serial = f"{rng.randint(0, 99):02d}"
    digs = [int(c) for c in area + bd] + [int(x) for x in f"{ord(letter) - 64:02d}"] + [int(c) for c in serial]
    w = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    tot = sum((d * wi) // 10 + (d * wi) % 10 for d, wi in zip(digs, w, strict=True))
    s = f"{area}{bd}{letter}{serial}{tot % 10}"
    return f"{s[:2]} {s[2:8]} {s[8]} {s[9:]}" if rng.random() < 0.5 else s


def licence(rng: random.Random) -> str:
    """German driving licence number: 4 authority chars, 5 serial chars, check digit, copy number."""
    auth = rng.choice(["B072", "J481", "F152", "H330", "K075", "N120"])
    serial = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(5))
    return f"{auth}{serial}{rng.randint(0, 9)}{rng.randint(1, 3)}"


_VIN_CH = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VAL = {
    **{str(i): i for i in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_W = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(rng: random.Random) -> str:
    """17 characters (no I, O, Q) with the ISO 3779 / North American check digit in position 9."""
    wmi = rng.choice(["WVW", "WBA", "WDB", "WAU", "VF1", "TMB", "ZFA", "SAL", "YV1", "WF0", "VSS", "W0L"])
    body = wmi + "".join(rng.choice(_VIN_CH) for _ in range(5)) + "0" + rng.choice("ABCDEFGHJKLMN")
    body += rng.choice(_VIN_CH) + "".join(rng.choice("0123456789") for _ in range(6))
    tot = sum(_VIN_VAL[c] * w for c, w in zip(body, _VIN_W, strict=True))
    chk = "X" if tot % 11 == 10 else str(tot % 11)
    return body[:8] + chk + body[9:]


def idnumber(rng: random.Random, kind: str = "") -> Segs:
    kind = kind or rng.choice(["perso", "pass", "steuer", "fs", "fin", "aufenthalt", "sv"])
    fn = {
        "perso": id_card,
        "pass": passport,
        "steuer": tax_id,
        "fs": licence,
        "fin": vin,
        "aufenthalt": residence,
        "sv": social_security,
    }[kind]
    return [(fn(rng), "IDNUMBER")]


# --- origin words ------------------------------------------------------------------------------------------

# (masculine singular nominative, masculine accusative/dative, feminine singular, plural, adjective stem,
#  abbreviation)
ORIGIN_WORDS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Syrer", "Syrer", "Syrerin", "Syrer", "syrisch", "Syr."),
    ("Afghane", "Afghanen", "Afghanin", "Afghanen", "afghanisch", "Afgh."),
    ("Pole", "Polen", "Polin", "Polen", "polnisch", "poln."),
    ("Rumäne", "Rumänen", "Rumänin", "Rumänen", "rumänisch", "rumän."),
    ("Bulgare", "Bulgaren", "Bulgarin", "Bulgaren", "bulgarisch", "bulg."),
    ("Türke", "Türken", "Türkin", "Türken", "türkisch", "türk."),
    ("Iraker", "Iraker", "Irakerin", "Iraker", "irakisch", "irak."),
    ("Eritreer", "Eritreer", "Eritreerin", "Eritreer", "eritreisch", "eritr."),
    ("Ukrainer", "Ukrainer", "Ukrainerin", "Ukrainer", "ukrainisch", "ukr."),
    ("Russe", "Russen", "Russin", "Russen", "russisch", "russ."),
    ("Vietnamese", "Vietnamesen", "Vietnamesin", "Vietnamesen", "vietnamesisch", "viet."),
    ("Libanese", "Libanesen", "Libanesin", "Libanesen", "libanesisch", "liban."),
    ("Marokkaner", "Marokkaner", "Marokkanerin", "Marokkaner", "marokkanisch", "marokk."),
    ("Algerier", "Algerier", "Algerierin", "Algerier", "algerisch", "alger."),
    ("Tunesier", "Tunesier", "Tunesierin", "Tunesier", "tunesisch", "tunes."),
    ("Albaner", "Albaner", "Albanerin", "Albaner", "albanisch", "alban."),
    ("Kosovare", "Kosovaren", "Kosovarin", "Kosovaren", "kosovarisch", "kosov."),
    ("Tschetschene", "Tschetschenen", "Tschetschenin", "Tschetschenen", "tschetschenisch", "tschetsch."),
    ("Kurde", "Kurden", "Kurdin", "Kurden", "kurdisch", "kurd."),
    ("Somalier", "Somalier", "Somalierin", "Somalier", "somalisch", "somal."),
    ("Nigerianer", "Nigerianer", "Nigerianerin", "Nigerianer", "nigerianisch", "nigerian."),
    ("Guineer", "Guineer", "Guineerin", "Guineer", "guineisch", "guin."),
    ("Georgier", "Georgier", "Georgierin", "Georgier", "georgisch", "georg."),
    ("Moldauer", "Moldauer", "Moldauerin", "Moldauer", "moldauisch", "mold."),
    ("Italiener", "Italiener", "Italienerin", "Italiener", "italienisch", "ital."),
    ("Spanier", "Spanier", "Spanierin", "Spanier", "spanisch", "span."),
    ("Grieche", "Griechen", "Griechin", "Griechen", "griechisch", "griech."),
    ("Portugiese", "Portugiesen", "Portugiesin", "Portugiesen", "portugiesisch", "portug."),
    ("Iraner", "Iraner", "Iranerin", "Iraner", "iranisch", "iran."),
    ("Tscheche", "Tschechen", "Tschechin", "Tschechen", "tschechisch", "tschech."),
    ("Deutscher", "Deutschen", "Deutsche", "Deutsche", "deutsch", "dt."),
)
_LOOKS = (
    "südländisch",
    "arabisch",
    "osteuropäisch",
    "nordafrikanisch",
    "asiatisch",
    "orientalisch",
    "südosteuropäisch",
    "afrikanisch",
    "westafrikanisch",
)
_LOOKS_ABBR = ("südl.", "osteurop.", "nordafr.", "arab.", "oriental.")


def origin_word(rng: random.Random, form: str) -> Segs:
    """form: m (Syrer), m_acc (einen Afghanen), f (Syrerin), pl (Afghanen), adj-ENDING (afghanische),
    abbr (Syr.), look-ENDING (südländische), lookabbr (südl.)."""
    row = rng.choice(ORIGIN_WORDS)
    if form == "m":
        v = row[0]
    elif form == "m_def":
        v = row[0] if row[0] != "Deutscher" else "Deutsche"
    elif form == "m_acc":
        v = row[1]
    elif form == "f":
        v = row[2]
    elif form == "pl":
        v = row[3] if row[0] != "Deutscher" else "Deutsche"
    elif form.startswith("adj"):
        v = row[4] + form[3:]
    elif form == "abbr":
        v = row[5]
    elif form.startswith("look"):
        v = rng.choice(_LOOKS_ABBR) if form == "lookabbr" else rng.choice(_LOOKS) + form[4:]
    else:
        raise ValueError(form)
    return [(v, "ORIGIN")]
