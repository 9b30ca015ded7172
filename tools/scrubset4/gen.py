"""The generated part of the fourth held-out set: templates filled from small pools (issue 12).

Written apart from the scrubber and from the earlier sets' generators. Seeded, so the build is reproducible. Every
line comes back marked as in the hand-written sources (``[[value|C]]``), with ``?`` where the build fills a check
digit. About a third of the templates hold no personal value (traps built from street, stop and line names).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

SEED = 20261206
COUNT = 420

GIVEN = [
    "Anna",
    "Jörg",
    "Sven",
    "Mandy",
    "Ronny",
    "Peggy",
    "Kevin",
    "Chantal",
    "Uwe",
    "Birgit",
    "Heike",
    "Steffen",
    "Katrin",
    "Maik",
    "Doreen",
    "Lars",
    "Yvonne",
    "Piotr",
    "Agnieszka",
    "Krzysztof",
    "Magdalena",
    "Ionela",
    "Vasile",
    "Cristina",
    "Mehmet",
    "Elif",
    "Hakan",
    "Emine",
    "Yusuf",
    "Layla",
    "Omar",
    "Hassan",
    "Rania",
    "Samira",
    "Khaled",
    "Farid",
    "Zahra",
    "Mustafa",
    "Aminata",
    "Kwame",
    "Chidi",
    "Fatou",
    "Ousmane",
    "Thanh",
    "Linh",
    "Quang",
    "Mai",
    "Oleksandr",
    "Iryna",
    "Dmytro",
    "Sergej",
    "Tatjana",
    "Alexej",
    "Giulia",
    "Marco",
    "Francesca",
    "Javier",
    "Lucía",
    "Pablo",
    "Ana",
]
SURNAMES = [
    "Schulze",
    "Richter",
    "Kretzschmar",
    "Wendt",
    "Hübner",
    "Seifert",
    "Fiedler",
    "Kühne",
    "Lehmann",
    "Krause",
    "Naumann",
    "Franke",
    "Zimmer",
    "Fuchs",
    "Bauer",
    "Koch",
    "Schmied",
    "Wolf",
    "Vogel",
    "Sommer",
    "Winter",
    "Haase",
    "Fischer",
    "Jäger",
    "Kaiser",
    "Engel",
    "Hahn",
    "Nowak",
    "Kowalski",
    "Wiśniewska",
    "Lewandowski",
    "Popescu",
    "Ionescu",
    "Dumitrescu",
    "Yılmaz",  # noqa: RUF001 - the Turkish dotless i is meant
    "Kaya",
    "Demir",
    "Şahin",
    "Al-Masri",
    "Haddad",
    "Khalil",
    "Mansour",
    "Rahimi",
    "Karimi",
    "Sultani",
    "Diallo",
    "Mensah",
    "Okafor",
    "Nguyen",
    "Tran",
    "Pham",
    "Shevchenko",
    "Bondarenko",
    "Kovalenko",
    "Iwanow",
    "Smirnow",
    "Rossi",
    "Esposito",
    "Ricci",
]
DOUBLE = ("García Pérez", "López Martín", "Sánchez Ortega", "Fernández Ruiz", "Müller-Lüdenscheidt", "Schmidt-Körner")
STREETS = (
    "Leipziger Straße",
    "Große Ulrichstraße",
    "Geiststraße",
    "Ludwig-Wucherer-Straße",
    "Bernburger Straße",
    "Merseburger Straße",
    "Reilstraße",
    "Trothaer Straße",
    "Magdeburger Straße",
    "Delitzscher Straße",
    "Paul-Suhr-Straße",
    "Albert-Einstein-Straße",
    "Huttenstraße",
    "Lessingstraße",
    "Torstraße",
    "Freiimfelder Straße",
    "Kröllwitzer Straße",
    "Seebener Straße",
    "Burgstraße",
    "Turmstraße",
    "Rudolf-Breitscheid-Straße",
    "Karl-Liebknecht-Straße",
    "Damaschkestraße",
    "Dessauer Straße",
    "Hallorenring",
    "Vogelweide",
    "Amselweg",
    "Am Heiderand",
    "Zollrain",
    "Böllberger Weg",
    "Ammendorfer Weg",
    "Riebeckplatz",
    "Fischer-von-Erlach-Straße",
    "Adam-Kuckhoff-Straße",
    "Kastanienallee",
    "Gimritzer Damm",
)
SHORT = {"straße": "str.", "Straße": "Str."}
STOPS = (
    "Franckeplatz",
    "Rannischer Platz",
    "Marktplatz",
    "Riebeckplatz",
    "Am Steintor",
    "Reileck",
    "Hallmarkt",
    "Glauchaer Platz",
    "Anhalter Platz",
    "Rennbahnkreuz",
    "Zoo",
    "Kröllwitz",
    "Göttinger Bogen",
    "Heide-Süd",
    "Soltauer Straße",
    "Neustadt Centrum",
    "Hauptbahnhof",
    "Am Leipziger Turm",
    "Lutherplatz",
    "Beesen",
    "Frohe Zukunft",
    "Trotha",
    "Büschdorf",
    "Ammendorf",
    "Vogelweide",
    "Rosengarten",
    "Wasserturm",
)
POSTCODES = ("06108", "06110", "06112", "06114", "06116", "06118", "06120", "06122", "06124", "06126", "06130")
DISTRICTS = ("HAL", "SK", "MQ", "BLK", "SLK", "L", "MD", "B", "WB", "MSH", "DE", "BTF", "HAL", "HAL", "HAL")
ORIGIN_NOUNS = (
    "Syrer",
    "Syrerin",
    "Afghane",
    "Afghanin",
    "Pole",
    "Polin",
    "Rumäne",
    "Rumänin",
    "Bulgare",
    "Türke",
    "Türkin",
    "Iraker",
    "Eritreer",
    "Somali",
    "Vietnamese",
    "Ukrainer",
    "Ukrainerin",
    "Russe",
    "Italiener",
    "Spanierin",
    "Marokkaner",
    "Tunesier",
    "Libanese",
    "Kurde",
    "Roma",
    "Deutscher",
    "Guineer",
    "Ghanaer",
    "Nigerianerin",
)
ORIGIN_ADJ = (
    "polnischer",
    "rumänischer",
    "syrischer",
    "afghanischer",
    "türkischer",
    "ukrainischer",
    "vietnamesischer",
    "bulgarischer",
    "irakischer",
    "eritreischer",
    "marokkanischer",
    "italienischer",
    "russischer",
    "deutscher",
)
LOOKS = ("südländisch", "arabisch", "osteuropäisch", "afrikanisch", "asiatisch", "nordafrikanisch")
MONTHS = [
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
]
MAILHOSTS = ("web.de", "gmx.de", "gmail.com", "t-online.de", "posteo.de", "yahoo.de", "outlook.de", "freenet.de")
UMLAUT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ş": "s", "ı": "i", "ś": "s", "í": "i", "á": "a", "é": "e", "ó": "o"}  # noqa: RUF001
)


MOBILE = ("0151", "0152", "0157", "0159", "0160", "0162", "0163", "0170", "0171", "0172", "0173", "0175", "0176")


def _d(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def name(r: random.Random) -> str:
    g, s = r.choice(GIVEN), r.choice(SURNAMES)
    form = r.randrange(10)
    if form == 0:
        return f"{s}, {g}"
    if form == 1:
        return f"{g[0]}. {s}"
    if form == 2:
        return f"{g} {s}".lower()
    if form == 3:
        return s.upper()
    if form == 4:
        return f"{g} {r.choice(DOUBLE)}"
    if form == 5:
        return s
    return f"{g} {s}"


def surname(r: random.Random) -> str:
    return r.choice(SURNAMES)


def phone(r: random.Random) -> str:
    mobile = r.choice(MOBILE)
    local = str(r.randint(2, 9))  # a Halle subscriber number never starts with 0
    form = r.randrange(9)
    if form == 0:
        return f"0345 {local}{_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"
    if form == 1:
        return f"0345/{local}{_d(r, 5)}"
    if form == 2:
        return f"+49 345 {local}{_d(r, 6)}"
    if form == 3:
        return f"+49 (0){mobile[1:]} {_d(r, 7)}"
    if form == 4:
        return f"{mobile}-{_d(r, 7)}"
    if form == 5:
        return f"{mobile} {_d(r, 1)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}"
    if form == 6:
        return f"0345.{local}{_d(r, 1)}.{_d(r, 2)}.{_d(r, 2)}"
    if form == 7:
        return f"0049 {mobile[1:]} {_d(r, 3)} {_d(r, 4)}"
    return f"(0345) {local}{_d(r, 2)}-{_d(r, 3)}"


def plate(r: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    d = r.choice(DISTRICTS)
    mid = "".join(r.choice(letters) for _ in range(r.choice((1, 2, 2))))
    num = str(r.randint(1, 9999))
    form = r.randrange(10)
    if form < 5:
        return f"{d}-{mid} {num}"
    if form == 5:
        return f"{d} {mid}{num}"
    if form == 6:
        return f"{d}-{mid} {num}".lower()
    if form == 7:
        return f"W{r.choice('APRZ')}{r.choice('ABGIM')} {_d(r, 4)}{r.choice(letters)}"  # Polish
    if form == 8:
        return f"{r.randint(1, 9)}{r.choice('ABSUJ')}{r.randint(1, 9)} {_d(r, 4)}"  # Czech
    return f"{r.choice(letters)}{r.choice(letters)}-{_d(r, 3)}-{r.choice(letters)}"  # Dutch


def address(r: random.Random) -> str:
    street = r.choice(STREETS)
    number = f"{r.randint(1, 180)}{r.choice(('', '', '', 'a', 'b'))}"
    form = r.randrange(6)
    if form == 0:
        return f"{street} {number}, {r.choice(POSTCODES)} Halle"
    if form == 1:
        return f"{street} {number}, {r.choice(POSTCODES)} Halle (Saale)"
    if form == 2:
        for long, short in SHORT.items():
            street = street.replace(long, short)
        return f"{street} {number}"
    return f"{street} {number}"


def dob(r: random.Random) -> str:
    y, m, d = r.randint(1935, 2012), r.randint(1, 12), r.randint(1, 28)
    form = r.randrange(5)
    if form == 0:
        return f"{d}.{m}.{y % 100:02d}"
    if form == 1:
        return f"{y}-{m:02d}-{d:02d}"
    if form == 2:
        return f"{d}. {MONTHS[m - 1]} {y}"
    return f"{d:02d}.{m:02d}.{y}"


def iban(r: random.Random) -> str:
    form = r.randrange(6)
    if form == 0:
        return f"PL?? {_d(r, 4)} {_d(r, 4)} {_d(r, 4)} {_d(r, 4)} {_d(r, 4)} {_d(r, 4)}"
    if form == 1:
        return f"AT??{_d(r, 16)}"
    if form == 2:
        return "DE??" + _d(r, 18)
    return f"DE?? {_d(r, 4)} {_d(r, 4)} {_d(r, 4)} {_d(r, 4)} {_d(r, 2)}"


def taxid(r: random.Random) -> str:
    while True:
        first = r.sample("0123456789", 9)
        if first[0] != "0":
            break
    digits = [*first, r.choice(first[1:])]
    digits = digits[:1] + r.sample(digits[1:], 9)
    s = "".join(digits)
    if r.randrange(2):
        return f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}?"
    return s + "?"


def passport(r: random.Random) -> str:
    chars = "CFGHJKLMNPRTVWXYZ0123456789"
    return r.choice("CFGHJK") + "".join(r.choice(chars) for _ in range(8))


def vin(r: random.Random) -> str:
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    wmi = r.choice(("WVW", "WDB", "WBA", "VF1", "TMB", "ZFA", "WF0", "SUU", "YV1"))
    return wmi + "".join(r.choice(chars) for _ in range(5)) + "?" + "".join(r.choice(chars) for _ in range(8))


def email(r: random.Random) -> str:
    g, s = r.choice(GIVEN).lower().translate(UMLAUT), r.choice(SURNAMES).lower().translate(UMLAUT)
    s = s.replace(" ", "")
    form = r.randrange(5)
    host = r.choice(MAILHOSTS)
    if form == 0:
        return f"{g}.{s}{r.randint(1, 99)}@{host}"
    if form == 1:
        return f"{g[0]}.{s}(at){host}"
    return f"{g}.{s}@{host}"


def _m(value: str, code: str) -> str:
    return f"[[{value}|{code}]]"


Template = Callable[[random.Random], str]


def _t(r: random.Random, pattern: str) -> str:
    """Fill a pattern: {N} name, {S} surname, {P} phone, {K} plate, {A} address, {G} DOB, {I} IBAN, {T} tax id,
    {V} VIN, {X} passport/ID, {E} e-mail, {O} origin noun, {M} one for a man, {J} origin adjective, {L} looks,
    {H} stop, {Z} line,
    {U} time, {W} tram car, {C} street without number, {Y} case number."""
    fill = {
        "N": lambda: _m(name(r), "N"),
        "S": lambda: _m(surname(r), "N"),
        "P": lambda: _m(phone(r), "P"),
        "K": lambda: _m(plate(r), "K"),
        "A": lambda: _m(address(r), "A"),
        "G": lambda: _m(dob(r), "G"),
        "I": lambda: _m(iban(r), "I"),
        "T": lambda: _m(taxid(r), "X"),
        "V": lambda: _m(vin(r), "X"),
        "X": lambda: _m(passport(r), "X"),
        "E": lambda: _m(email(r), "E"),
        "O": lambda: _m(r.choice(ORIGIN_NOUNS), "O"),
        "M": lambda: _m(r.choice([o for o in ORIGIN_NOUNS if not o.endswith("in")]), "O"),
        "J": lambda: _m(r.choice(ORIGIN_ADJ), "O"),
        "L": lambda: _m(r.choice(LOOKS), "O"),
        "H": lambda: r.choice(STOPS),
        "Z": lambda: str(r.choice((1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 16))),
        "U": lambda: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        "W": lambda: str(r.randint(601, 699)),
        "C": lambda: r.choice(STREETS),
        "Y": lambda: f"{r.choice(('E-2026-', 'OWi 26-', 'V-'))}{r.randint(10000, 99999)}",
    }
    out = ""
    i = 0
    while i < len(pattern):
        if pattern[i] == "{" and i + 2 < len(pattern) and pattern[i + 2] == "}":
            out += fill[pattern[i + 1]]()
            i += 3
        else:
            out += pattern[i]
            i += 1
    return out


PATTERNS: dict[str, tuple[str, ...]] = {
    "leitstelle": (
        "ESt {H}, TV {O}, ca 30, Rückruf ASt {N} {P}",
        "Halterabfrage {K}: {N}, {A}",
        "Pat. {N}, geb. {G}, {A}",
        "{U} ESt {H}, 2 Pers. Streit, keine Verletzten",
        "TV {N}, {J} Staatsangehöriger, PA-Nr. {X}",
        "L{Z} Wg {W} Störung {H}, kein Polizeieinsatz",
        "Geschäd. {N} meldet Betrug, überwiesen an {I}",
        "ESt {C} nahe Haltestelle {H}, Rauchentwicklung, BF alarmiert",
        "Einsatz {Y} abgeschl. {U}, Info an KDD",
        "Anr. {S} meldet Ruhestörung {A}, Rückruf {P}",
    ),
    "polizei": (
        "Der Beschuldigte {N}, geb. {G}, wohnhaft {A}, wurde belehrt.",
        "Das Fahrzeug mit dem Kennzeichen {K} und der FIN {V} wurde sichergestellt.",
        "Die Steuer-ID des Beschuldigten lautet {T}.",
        "Der Zeuge {N} beschrieb den Täter als {L} aussehend.",
        "Der Beschuldigte {N}, {J} Staatsangehöriger, wies sich mit dem Reisepass {X} aus.",
        "Die Tat ereignete sich um {U} Uhr an der Haltestelle {H}.",
        "Die Straßenbahn der Linie {Z} wurde an der Haltestelle {H} angehalten.",
        "Der Vorgang wurde unter der Nummer {Y} an die Staatsanwaltschaft abgegeben.",
        "Nach Angaben der Geschädigten war der Täter ein {M}.",
    ),
    "ordnungsamt": (
        "Verwarngeld an {N}, {A}",
        "Fahrzeug {K} im Halteverbot {C}, Abschleppauftrag",
        "Kontrolle {H} {U}, keine Beanstandungen",
        "Händler {N} ({O}), Tel. {P}, Genehmigung fehlt",
        "Sperrmüll in der {C}, Verursacher unbekannt",
        "Erstattung Verwarngeld an {N}, IBAN {I}",
        "Hund ohne Leine {H}, Halterin {S}, mündliche Verwarnung",
        "Nachkontrolle {C} am Montag, Az. {Y}",
    ),
    "funk": (
        "Linie {Z} Wagen {W} {H} Pkw {K} im Gleis",
        "Linie {Z} Wg {W} {H} Fahrgast kollabiert, RTW bitte",
        "Wagen {W} Linie {Z} {H} Fahrgast pöbelt, heisst {N}",
        "Linie {Z} {H} Fahrer {S} meldet Ablösung",
        "Linie {Z} {H} Weiche gestört, Techniker angefordert",
        "wagen {W} linie {Z} {H} fahrgast {L} aussehend randaliert",
        "Linie {Z} {H} Tür 2 klemmt, fahre weiter bis Endstelle",
    ),
    "notruf": (
        "hier ist {N}, ich wohne {A}, bitte schnell",
        "meine nummer ist {P}, der Mann ist {L} aussehend",
        "da ist ein Unfall an der Haltestelle {H}, ein Auto {K}",
        "es brennt in der {C}, ich seh Rauch aus dem Dach",
        "meine Mutter {N}, geboren {G}, ist gestürzt",
        "ich steh an der {H}, da liegt einer, der bewegt sich nicht",
        "hier {S}, mein Nachbar ist {O}, der schreit seit einer Stunde, {A}",
    ),
    "buerger": (
        "Schrottauto {K} steht seit Wochen vor {A}",
        "Schlagloch in der {C} Höhe Haltestelle {H}",
        "Bitte Rückmeldung an {E} oder {P}",
        "Laterne defekt an der Haltestelle {H}",
        "Ich, {N}, melde Müll vor {A}",
        "Radweg {C} seit Wochen zugeparkt, bitte kontrollieren",
    ),
    "email": (
        "Mit freundlichen Grüßen {N}, {A}, Tel. {P}",
        "Bitte überweisen Sie den Betrag auf {I}, Kontoinhaber {N}.",
        "Meine Steuer-Identifikationsnummer ist {T}, geb. {G}.",
        "Bitte antworten Sie an {E}.",
        "Sehr geehrte Damen und Herren, die Linie {Z} kam heute an der Haltestelle {H} wieder zu spät.",
        "Sehr geehrte Frau {S}, anbei die Unterlagen zu Vorgang {Y}.",
    ),
    "chat": (
        "hier meine iban {I} für das geschenk",
        "nummer von {N}: {P}",
        "bin um {U} am {H}, wer kommt mit",
        "das auto {K} gehört {N} glaub ich",
        "mail mir an {E}",
        "linie {Z} fällt aus, ich lauf zum {H}",
    ),
    "social": (
        "Zeugen gesucht! Unfallflucht {C}, Auto {K}, bitte teilen",
        "Wieder Chaos an der Haltestelle {H}, Linie {Z} fällt aus #HAVAG",
        "Danke an {N} fürs Helfen heute an der Haltestelle {H}!",
        "Vermisst: meldet euch bei {P}",
        "Baustelle {C}, die {Z} fährt Umleitung über {H}, nervt",
    ),
    "schichtbuch": (
        "{U} Pers. {N} ({O}) Hausverbot Hbf erteilt",
        "{U} Kontrolle Pkw {K}, Fahrer {N}, geb. {G}",
        "{U} Weichenstörung {H}, behoben",
        "{U} Rückruf erbeten {S}, {P}",
        "{U} Fundsache Ausweis {X} auf {N}",
        "{U} Wg {W} zurück im Betriebshof, Vorgang {Y}",
    ),
    "sms": (
        "bin {N}, ruf zurück {P}",
        "steh am {H}, linie {Z} kommt nicht",
        "überweis bitte an {I}",
        "steuer-id {T} für den antrag",
        "bin um {U} an der {H}, bis gleich",
    ),
    "forum": (
        "Verkaufe Auto, FIN {V}, Kennzeichen {K} wird abgemeldet",
        "Wer wohnt noch in der {C}? Bei uns ist seit Tagen die Heizung aus",
        "Kontakt für Rückfragen: {E}",
        "Der Vermieter {N} hat seinen Sitz {A}, Tel. {P}",
        "Seit die Linie {Z} nicht mehr bis {H} fährt, brauche ich 20 Minuten länger",
    ),
}


def generate() -> Iterator[tuple[str, str]]:
    r = random.Random(SEED)  # noqa: S311 - reproducible test data, not a secret
    styles = list(PATTERNS)
    seen: set[str] = set()
    made = 0
    while made < COUNT:
        style = styles[made % len(styles)]
        line = _t(r, r.choice(PATTERNS[style]))
        if line in seen:
            continue
        seen.add(line)
        made += 1
        yield style, line
