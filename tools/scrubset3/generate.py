"""More lines for the third held-out set, made from hand-written pieces with a fixed seed.

Every name, street, frame and number pattern below was written for this set by its author (no name package, no
Faker). `lines()` returns `(style, marked-up line)` pairs in the markup of `build.py`; the same pairs on every run.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

SEED = 20261206
PER_STYLE = 45

# Given names and surnames by origin, written by hand.
GIVEN = {
    "de": ["Uwe", "Heike", "Sören", "Anja", "Ronny", "Mandy", "Detlef", "Ines", "Lutz", "Kathrin", "Mats", "Ida"],
    "tr": ["Emre", "Büşra", "Okan", "Hatice", "Volkan", "Songül", "Murat", "Derya"],
    "ar": ["Khaled", "Rasha", "Yousef", "Nour", "Bilal", "Samira", "Tarek", "Huda"],
    "ku": ["Rojhat", "Berfin", "Dilan", "Şêrko", "Hêvî", "Azad"],
    "pl": ["Grzegorz", "Małgorzata", "Łukasz", "Joanna", "Przemysław", "Ewelina"],
    "ro": ["Mihai", "Andreea", "Cosmin", "Roxana", "Vlad", "Ileana"],
    "bg": ["Stoyan", "Desislava", "Kaloyan", "Radka", "Hristo"],
    "ru": ["Dmitri", "Swetlana", "Artjom", "Ljudmila", "Taras", "Oksana", "Bohdan"],
    "vn": ["Minh", "Thao", "Quang", "Hanh", "Duc"],
    "af": ["Mirwais", "Zarghuna", "Habibullah", "Farzana", "Naweed"],
    "wa": ["Chidi", "Adwoa", "Seydou", "Aminata", "Kwabena", "Ngozi"],
    "it": ["Matteo", "Giulia", "Salvatore", "Chiara"],
    "es": ["Alejandro", "Lucía", "Javier", "Pilar"],
    "pt": ["João", "Inês", "Thiago", "Fernanda"],
    "gr": ["Nikos", "Eleni", "Giorgos", "Despina"],
}
SURNAMES = {
    "de": ["Krüger", "Hempel", "Wollenberg", "Gerlach", "Trautmann", "Bachmann", "Kästner", "Hentschel"],
    "tr": ["Aydoğan", "Korkmaz", "Güneş", "Bozkurt", "Erdem", "Kurt"],
    "ar": ["Al-Masri", "Haddad", "Nasser", "Saleh", "El Khoury", "Abu Shanab"],
    "ku": ["Bingöl", "Amedi", "Zana", "Barzani"],
    "pl": ["Wiśniewska", "Szymański", "Kaczmarczyk", "Pawlak", "Jabłoński"],
    "ro": ["Ionescu", "Munteanu", "Ciobanu", "Lungu", "Pop"],
    "bg": ["Georgiev", "Dimitrova", "Petrov", "Stoyanova"],
    "ru": ["Kusnezow", "Bondarenko", "Iwanowa", "Melnyk", "Schewtschuk"],
    "vn": ["Nguyen", "Tran", "Le", "Pham", "Vo"],
    "af": ["Popalzai", "Rahimi", "Stanikzai", "Hotak"],
    "wa": ["Mensah", "Traoré", "Diop", "Okafor", "Asamoah", "Keita"],
    "it": ["Esposito", "Russo", "Bianchi", "Lombardi"],
    "es": ["García López", "Martínez", "Romero Díaz"],
    "pt": ["Oliveira", "Costa", "Pereira dos Santos"],
    "gr": ["Papadakis", "Nikolaou", "Georgiou"],
}
# Surnames that are also German words: only ever used after a cue that makes them a name.
WORD_SURNAMES = ["Vogel", "Hahn", "Kaiser", "Wolf", "Sommer", "Winter", "Bauer", "Schäfer", "Roth", "Jung", "Engel"]
NICKNAMES = ["Kalle", "Manne", "Bine", "Schlumpf", "Locke", "Tiger", "Ede", "Mücke", "Zwerg", "Rocky"]
ORIGINS = [
    "Syrer",
    "Afghane",
    "Polin",
    "Rumänin",
    "Bulgare",
    "Türke",
    "Kurdin",
    "Vietnamese",
    "Eritreer",
    "Ghanaer",
    "Italienerin",
    "Ukrainerin",
    "Russe",
    "Moldauer",
    "Iraker",
    "Somalierin",
    "Deutscher",
]
_FEMALE = [w for w in ORIGINS if w.endswith("in")]
_MALE = [w for w in ORIGINS if not w.endswith("in")]
ORIGIN_ADJ = [
    "polnischer",
    "syrischer",
    "rumänischer",
    "türkischer",
    "arabischer",
    "afrikanischer",
    "osteuropäischer",
    "nordafrikanischer",
    "südländischer",
    "vietnamesischer",
]
STREETS = [
    "Magdeburger Straße",
    "Ludwig-Wucherer-Straße",
    "Große Klausstraße",
    "Lange Straße",
    "Gütchenstraße",
    "Mansfelder Straße",
    "Schwuchtstraße",
    "Landrain",
    "Hordorfer Straße",
    "An der Magistrale",
    "Weidenplan",
    "Reilstraße",
    "Dessauer Straße",
    "Kurallee",
    "Waldstraße",
    "Heinrich-Heine-Straße",
    "Liebenauer Straße",
    "Südstadtring",
    "Am Kirchtor",
    "Emil-Abderhalden-Straße",
    "Falladaweg",
    "Tangermünder Straße",
]
POSTCODES = [
    "06108",
    "06110",
    "06112",
    "06114",
    "06116",
    "06118",
    "06120",
    "06122",
    "06124",
    "06126",
    "06128",
    "06130",
    "06132",
]
STOPS = [
    "Franckeplatz",
    "Rosa-Luxemburg-Platz",
    "Marktplatz",
    "Am Leipziger Tor",
    "Willy-Brandt-Straße",
    "Rennbahnkreuz",
    "Soltauer Straße",
    "Reileck",
    "Steintor",
    "Hauptbahnhof",
    "Thomas-Müntzer-Platz",
    "Damaschkestraße",
    "Äußere Diemitzer Straße",
    "Vogelweide",
    "Kurt-Mothes-Straße",
    "Hermes-Areal",
]
DISTRICTS = ["HAL", "SK", "MQ", "BLK", "MSH", "L", "B", "WSF", "DE", "ABI", "BK", "NMB", "SLK", "J", "ZE"]
FOREIGN_PLATES = [  # (plate pattern, country as people say it); # is a digit, @ a letter
    ("@@ #####", "polnisches"),
    ("@@@ #@##", "polnisches"),
    ("#@# ####", "tschechisches"),
    ("B ### @@@", "rumänisches"),
    ("CJ ## @@@", "rumänisches"),
    ("@@ #### @@", "bulgarisches"),
    ("@@-###-@", "niederländisches"),
    ("@@ #### @@", "ukrainisches"),
    ("@@-###-@@", "französisches"),
]
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
ID_CHARS = "0123456789CFGHJKLMNPRTVWXYZ"


def _name(rng: random.Random) -> str:
    origin = rng.choice(sorted(GIVEN))
    given, surname = rng.choice(GIVEN[origin]), rng.choice(SURNAMES[origin])
    form = rng.random()
    if form < 0.45:
        return f"{given} {surname}"
    if form < 0.6:
        return f"{surname.upper()}, {given}"
    if form < 0.7:
        return f"{given[0]}. {surname}"
    if form < 0.8:
        return f"{given} {surname}".lower()
    if form < 0.9:
        return f"{surname}, {given}"
    return f"{given}-{rng.choice(GIVEN[origin])} {surname}" if origin in ("de", "ro") else f"{given} {surname}"


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return rng.choice(WORD_SURNAMES)
    return rng.choice(SURNAMES[rng.choice(sorted(SURNAMES))])


def _phone(rng: random.Random) -> str:
    mobile = f"01{rng.choice(['51', '52', '57', '60', '62', '70', '71', '72', '73', '75', '76', '77', '79'])}"
    sub = "".join(rng.choice("0123456789") for _ in range(8))
    land = "".join(rng.choice("0123456789") for _ in range(7))
    land = str(rng.randint(2, 9)) + land[1:]
    forms = [
        f"{mobile} {sub}",
        f"{mobile}/{sub[:4]} {sub[4:]}",
        f"{mobile}-{sub[:2]} {sub[2:4]} {sub[4:6]} {sub[6:]}",
        f"+49 {mobile[1:]} {sub}",
        f"0049 {mobile[1:]} {sub[:3]} {sub[3:]}",
        f"+49 (0) {mobile[1:]} {sub}",
        f"0345 {land}",
        f"0345/{land[:3]} {land[3:5]} {land[5:]}",
        f"(0345) {land[:1]} {land[1:3]} {land[3:5]} {land[5:]}",
        f"0345-{land[:3]}-{land[3:]}",
        f"+49 345 {land}",
        f"03 45 / {land[:2]} {land[2:4]} {land[4:6]} {land[6]}",
        f"0345 {land[:4]}-{rng.randint(10, 99)}",
        f"{mobile}.{sub[:3]}.{sub[3:6]}.{sub[6:]}",
        f"+48 {rng.randint(500, 799)} {sub[:3]} {sub[3:6]}",
        f"+40 7{sub[:2]} {sub[2:5]} {sub[5:]}",
        f"+90 5{sub[:2]} {sub[2:5]} {sub[5:7]} {sub[7]}{rng.randint(0, 9)}",
    ]
    return rng.choice(forms)


def _plate(rng: random.Random) -> tuple[str, str]:
    """(plate, country adjective or '') -- German plates in their spellings, foreign ones with their country."""
    if rng.random() < 0.3:
        pattern, country = rng.choice(FOREIGN_PLATES)
        return "".join(
            rng.choice(LETTERS) if c == "@" else str(rng.randint(0, 9)) if c == "#" else c for c in pattern
        ), country
    d = rng.choice(DISTRICTS)
    letters = "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 2)))
    num = str(rng.randint(1, 9999))
    suffix = rng.choice(["", "", "", "", "E", "H"])
    forms = [f"{d}-{letters} {num}{suffix}", f"{d} {letters} {num}", f"{d}-{letters}{num}", f"{d} {letters}-{num}"]
    plate = rng.choice(forms)
    return (plate.lower() if rng.random() < 0.1 else plate), ""


def _dob(rng: random.Random) -> str:
    y, m, d = rng.randint(1936, 2012), rng.randint(1, 12), rng.randint(1, 28)
    months = [
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
    return rng.choice(
        [
            f"{d:02d}.{m:02d}.{y}",
            f"{d}.{m}.{y % 100:02d}",
            f"{y}-{m:02d}-{d:02d}",
            f"{d}. {months[m - 1]} {y}",
            f"{d:02d}/{m:02d}/{y}",
            f"{d}.{m}.{y}",
        ]
    )


def _address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    num = f"{rng.randint(1, 140)}{rng.choice(['', '', '', 'a', 'b'])}"
    tail = rng.choice(["", "", f", {rng.choice(POSTCODES)} Halle", f", {rng.choice(POSTCODES)} Halle (Saale)"])
    return f"{street} {num}{tail}"


def _iban(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(18))
    grouped = " ".join(digits[i : i + 4] for i in range(0, 18, 4))
    return f"DE?? {grouped}" if rng.random() < 0.7 else "DE??" + digits


def _taxid(rng: random.Random) -> str:
    ds = rng.sample("123456789", 1) + rng.sample("0123456789", 10)
    first = ds[0]
    rest = [c for c in "0123456789" if c != first]
    rng.shuffle(rest)
    body = [first, *rest[:8]]
    body.insert(rng.randint(1, 9), rng.choice(body))
    s = "".join(body[:10])
    return f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}?" if rng.random() < 0.5 else s + "?"


def _vin(rng: random.Random) -> str:
    wmi = rng.choice(["WVW", "WBA", "WDD", "VF1", "TMB", "ZFA", "WAU", "SUU"])
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(5))
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    return f"{wmi}{body}?{rng.choice('ABCDEFGHJKLMNPRSTVWXY')}{rng.choice(LETTERS)}{serial}"


def _idcard(rng: random.Random) -> str:
    return rng.choice("LMNPRTVWXY") + "".join(rng.choice(ID_CHARS) for _ in range(8))


def _passport(rng: random.Random) -> str:
    return rng.choice("CFGHJK") + "".join(rng.choice(ID_CHARS) for _ in range(8))


def _email(rng: random.Random, name: str) -> str:
    parts = [p for p in name.replace(",", "").lower().split() if p.isalpha()] or ["post"]
    trans = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ł": "l", "ı": "i"})
    local = unicodedata.normalize("NFKD", ".".join(parts[:2]).translate(trans))
    local = "".join(c for c in local if c.isascii())
    dom = rng.choice(["gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de", "mail.de", "outlook.com"])
    at = rng.choice(["@", "@", "@", "(at)", " [at] "])
    return f"{local}{at}{dom}"


def _m(value: str, code: str) -> str:
    return f"[[{value}|{code}]]"


Frame = Callable[[random.Random], str]


def _leitstelle(rng: random.Random) -> str:
    n, p, a = _m(_name(rng), "N"), _m(_phone(rng), "T"), _m(_address(rng), "A")
    plate, country = _plate(rng)
    k = _m(plate, "K")
    return rng.choice(
        [
            f"ASt {n}, Rückruf {p}, meldet Streit im Treppenhaus {a}",
            f"TV {n}, geb. {_m(_dob(rng), 'D')}, fest. wg. Diebstahl, PA {_m(_idcard(rng), 'X')}",
            f"VU Höhe Haltestelle {rng.choice(STOPS)}, Pkw {k} gegen Tram Wagen {rng.randint(601, 699)}",
            f"Einsatz {rng.choice(STOPS)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} beendet, Leo {rng.randint(10, 19)}/{rng.randint(1, 4)} frei",
            f"Ruhestörung {a}, Mitteiler Herr {_m(_surname(rng), 'N')}",
            f"Fahrzeug {k}{' (' + country[:4] + '.)' if country else ''} verdächtig abgestellt, Halter wird ermittelt",
            f"Person ([[{rng.choice(['syr.', 'poln.', 'rumän.', 'türk.', 'afgh.', 'russ.'])}|O]]), ca. {rng.randint(18, 60)} J., hilflos an Haltestelle {rng.choice(STOPS)}",
            f"Linie {rng.choice([1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 16])} unterbrochen Höhe {rng.choice(STOPS)}, Fz {rng.randint(601, 699)} defekt",
            f"Mitteilerin Frau {_m(_surname(rng), 'N')}, {_m(_phone(rng), 'T')}, Nachbar {_m(rng.choice(NICKNAMES), 'N')} randaliert im Hof",
            f"PK {_m(_name(rng), 'N')} *{_m(_dob(rng), 'D')} [[{rng.choice(['syr.', 'afgh.', 'poln.', 'rumän.', 'bulg.', 'irak.', 'eritr.'])}|O]], Ausweis {_m(_idcard(rng), 'X')}",
            f"BMA {rng.choice(['Stadtbad', 'Hallesches Tor', 'Neues Theater', 'Stadtmuseum', 'Kunsthalle Talstraße'])} ausgelöst, Florian Halle {rng.randint(1, 5)}/{rng.randint(10, 49)}-1 alarmiert",
            f"Gefahrenstelle Gleis Höhe {rng.choice(STOPS)}, HAVAG-Meldung {rng.randint(100, 999)}/26, Sperrung bis {rng.randint(10, 23)}:00",
        ]
    )


def _polizei(rng: random.Random) -> str:
    n = _m(_name(rng), "N")
    return rng.choice(
        [
            f"Der Beschuldigte {n}, geboren am {_m(_dob(rng), 'D')}, wohnhaft {_m(_address(rng), 'A')}, machte keine Angaben.",
            f"Die Zeugin {n} ist unter {_m(_phone(rng), 'T')} erreichbar.",
            f"Der Tatverdächtige wurde als Mann [[{rng.choice(ORIGIN_ADJ)}|O]] Herkunft beschrieben.",
            f"Der Reisepass Nr. {_m(_passport(rng), 'X')} war auf {n} ausgestellt.",
            f"Die Steuer-ID des Geschädigten {n} lautet {_m(_taxid(rng), 'X')}.",
            f"Der Betrag wurde auf das Konto {_m(_iban(rng), 'I')} überwiesen, Kontoinhaber {n}.",
            f"Am {rng.randint(1, 28)}.{rng.randint(1, 12)}.2026 gegen {rng.randint(0, 23)}:{rng.randint(10, 59)} Uhr wurde die Streife zur Haltestelle {rng.choice(STOPS)} gerufen.",
            f"Der Schaden wird auf {rng.randint(2, 90) * 50} Euro geschätzt; Az. {rng.randint(100, 999)} Js {rng.randint(1000, 19999)}/26.",
            f"Der Geschädigte, Herr {_m(_surname(rng), 'N')}, erschien am Folgetag mit seiner Tochter {_m(rng.choice(GIVEN['de'] + GIVEN['ar'] + GIVEN['vn']), 'N')} auf dem Revier.",
            f"Die Fahrzeug-Identifizierungsnummer {_m(_vin(rng), 'X')} gehört zu einem als gestohlen gemeldeten Pkw.",
            f"Die [[{rng.choice(_FEMALE)}|O]] gab an, von ihrem Bekannten {_m(_name(rng), 'N')} bedroht worden zu sein.",
        ]
    )


def _buerger(rng: random.Random) -> str:
    n = _m(_name(rng), "N")
    plate, country = _plate(rng)
    return rng.choice(
        [
            f"Hallo, ich bin {n} und wohne {_m(_address(rng), 'A')}. Seit Tagen steht ein Auto mit {country[:-2] + 'em ' if country else ''}Kennzeichen {_m(plate, 'K')} vor der Einfahrt.",
            f"Bitte rufen Sie mich zurück unter {_m(_phone(rng), 'T')}, Gruß {n}",
            f"An der Haltestelle {rng.choice(STOPS)} ist die Anzeigetafel schon wieder kaputt.",
            f"Mein Nachbar Herr {_m(_surname(rng), 'N')} stellt seinen Müll immer auf den Gehweg.",
            f"Der Bus der Linie {rng.randint(21, 44)} kam heute {rng.randint(5, 40)} Minuten zu spät.",
            f"Meine E-Mail ist {_m(_email(rng, _name(rng)), 'E')}, bitte antworten Sie mir.",
            f"Die Straßenbahnhaltestelle {rng.choice(STOPS)} ist nachts so dunkel, bitte mehr Licht.",
            f"Ich bin {_m(_name(rng), 'N')}, geb. {_m(_dob(rng), 'D')}, und brauche eine Bescheinigung für meinen Parkausweis.",
            f"wieso darf der Nachbar {_m(_surname(rng), 'N')} seinen Wohnwagen {_m(plate, 'K')} seit Monaten auf der Straße stehen lassen",
        ]
    )


def _funk(rng: random.Random) -> str:
    plate, _country = _plate(rng)
    return rng.choice(
        [
            f"Wagen {rng.randint(601, 699)} an BL, Falschparker {_m(plate, 'K')} im Gleis, Haltestelle {rng.choice(STOPS)}",
            f"Kurs {rng.randint(1, 16)}-{rng.randint(1, 20):02d}: {rng.randint(2, 9)} min Verspätung, Stau Höhe {rng.choice(STOPS)}",
            f"Fahrer {rng.randint(1000, 9999)} meldet Fahrgast ohne Fahrschein, sagt er heißt {_m(rng.choice(NICKNAMES), 'N')}",
            f"Kollege {_m(rng.choice(GIVEN['de'] + GIVEN['tr'] + GIVEN['ru']), 'N')} übernimmt ab {rng.choice(STOPS)}",
            f"Weiche {rng.choice(STOPS)} gestört, Fz {rng.randint(601, 699)} wartet",
            f"Wagen {rng.randint(601, 699)}: Fahrgast [[{rng.choice(ORIGIN_ADJ)}|O]] Herkunft bewusstlos, Haltestelle {rng.choice(STOPS)}",
            f"Bus {rng.randint(21, 44)} Kurs {rng.randint(1, 9)}: Tür {rng.randint(1, 3)} defekt, Fahrt geht weiter",
        ]
    )


def _ordnungsamt(rng: random.Random) -> str:
    plate, _country = _plate(rng)
    n = _m(_name(rng), "N")
    return rng.choice(
        [
            f"Verwarngeld {rng.choice([10, 15, 20, 25, 35, 55])} EUR: {n}, {_m(_address(rng), 'A')}",
            f"Parkverstoß {rng.choice(STREETS)}, Kz. {_m(plate, 'K')}, OWi 26-{rng.randint(1000, 99999):06d}",
            f"Kontrolle Spielplatz {rng.choice(STOPS)}, keine Beanstandung, {rng.randint(8, 18)}:{rng.randint(10, 59)} Uhr",
            f"Streetwork: {_m(rng.choice(NICKNAMES), 'N')} und {_m(rng.choice(GIVEN['de'] + GIVEN['pl']), 'N')} an der Haltestelle {rng.choice(STOPS)} angetroffen",
            f"Anhörung {n}, *{_m(_dob(rng), 'D')}, Tel. {_m(_phone(rng), 'T')}",
            f"Erstattung an {n}, IBAN {_m(_iban(rng), 'I')}",
            f"Gewerbeanmeldung geprüft: {n}, Steuer-ID {_m(_taxid(rng), 'X')}, Betrieb in der {_m(_address(rng), 'A')}",
            f"Kontrolle {rng.choice(STREETS)}, {rng.randint(3, 25)} Fahrzeuge, keine Verstöße",
        ]
    )


def _notruf(rng: random.Random) -> str:
    plate, _country = _plate(rng)
    return rng.choice(
        [
            f"Ja hallo, hier ist {_m(_name(rng), 'N')}, ich wohne {_m(_address(rng), 'A')}, mein Mann ist zusammengebrochen",
            f"Da war so ein [[{rng.choice(_MALE)}|O]], der hat mich bedroht, an der Haltestelle {rng.choice(STOPS)}",
            f"Meine Nummer ist {_m(_phone(rng), 'T')}, bitte schnell",
            f"Es brennt an der Haltestelle {rng.choice(STOPS)}, so ein Container",
            f"Mein Nachbar, Herr {_m(_surname(rng), 'N')}, liegt im Treppenhaus, {_m(_address(rng), 'A')}",
            f"Das Auto hatte {_m(plate, 'K')}, glaube ich, und ist Richtung {rng.choice(STOPS)} weg",
            f"ich bin die {_m(rng.choice(GIVEN['de'] + GIVEN['tr'] + GIVEN['pl']), 'N')}, meine Freundin hat was genommen und wacht nicht auf",
        ]
    )


def _chat(rng: random.Random) -> str:
    plate, _country = _plate(rng)
    return rng.choice(
        [
            f"hat jemand die nummer von {_m(rng.choice(GIVEN['de'] + GIVEN['tr'] + GIVEN['ar']), 'N')}? ist das {_m(_phone(rng), 'T')}?",
            f"Halter {_m(plate, 'K')} ist {_m(_name(rng), 'N')}, Anhörung geht raus",
            f"treffen uns {rng.randint(6, 9)}:{rng.choice(['00', '15', '30', '45'])} an der Haltestelle {rng.choice(STOPS)}",
            f"Mail an {_m(_email(rng, _name(rng)), 'E')} ist zurückgekommen",
            f"{_m(rng.choice(GIVEN['de']), 'N')} ist heute im Homeoffice, Anrufe bitte an {_m(_phone(rng), 'T')}",
            f"PA-Nummer von {_m(_name(rng), 'N')} ist {_m(_idcard(rng), 'X')}, bitte ins Protokoll",
            f"Dienstwagen {rng.randint(1, 30)} steht in der Werkstatt, nehmt die {rng.randint(31, 60)}",
        ]
    )


def _social(rng: random.Random) -> str:
    plate, _country = _plate(rng)
    emoji = rng.choice(["😡", "🙄", "😂", "🤬", "😱", "👀", ""])
    return rng.choice(
        [
            f"wer kennt den fahrer von {_m(plate, 'K')}?? parkt jeden tag an der Haltestelle {rng.choice(STOPS)} {emoji}",
            f"haltestelle {rng.choice(STOPS).lower()} is schon wieder voll mit müll {emoji}",
            f'weitergeleitet: "{_m(rng.choice(GIVEN["de"] + GIVEN["tr"] + GIVEN["ar"] + GIVEN["ru"]).lower(), "N")} hat schon wieder die scheibe eingeschlagen" {emoji}',
            f"Post aus der Gruppe: Linie {rng.choice([1, 2, 3, 5, 7, 9, 10])} fällt aus, keiner sagt was {emoji}",
            f"hallo ich bin {_m(_name(rng).lower(), 'N')} 👋 meine nummer {_m(_phone(rng), 'T')}, bitte um rückruf wegen knöllchen",
            f"der [[{rng.choice(_MALE).lower()}|O]] aus dem 3. stock feiert jede nacht {emoji}",
            f"FB: Spielplatz {rng.choice(STOPS)} voller Scherben, wer räumt das weg {emoji}",
            f"weitergeleitet von {_m(rng.choice(GIVEN['de'] + GIVEN['ro'] + GIVEN['wa']), 'N')}: „auto {_m(plate, 'K')} steht im halteverbot“ {emoji}",
        ]
    )


def _email_style(rng: random.Random) -> str:
    name = _name(rng)
    return rng.choice(
        [
            f"Sehr geehrte Damen und Herren,\\nbitte um Rückruf wegen meines Bescheids.\\nMit freundlichen Grüßen\\n{_m(name, 'N')}\\n{_m(_phone(rng), 'T')}",
            f"Hallo,\\nmeine neue Anschrift: {_m(_address(rng), 'A')}\\nGruß\\n{_m(name, 'N')}\\n{_m(_email(rng, name), 'E')}",
            f"Guten Tag,\\nbitte erstatten Sie den Betrag auf {_m(_iban(rng), 'I')}.\\nDanke\\n{_m(name, 'N')}",
            f"Guten Tag,\\ndie Haltestelle {rng.choice(STOPS)} ist seit Tagen ohne Licht.\\nViele Grüße",
            f"Sehr geehrte Damen und Herren,\\nanbei meine Steuer-ID {_m(_taxid(rng), 'X')} für den Antrag.\\nMfG\\n{_m(name, 'N')}",
            f"Hallo,\\nder Wagen {rng.randint(601, 699)} der Linie {rng.choice([1, 2, 3, 5, 7, 8, 9, 10])} war heute völlig überfüllt.\\nGruß",
        ]
    )


FRAMES: dict[str, Frame] = {
    "leitstelle": _leitstelle,
    "polizei": _polizei,
    "buerger": _buerger,
    "funk": _funk,
    "ordnungsamt": _ordnungsamt,
    "notruf": _notruf,
    "chat": _chat,
    "social": _social,
    "email": _email_style,
}


def lines() -> list[tuple[str, str]]:
    """`PER_STYLE` generated lines a style, in a fixed order."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible test set, not a secret
    return [(style, frame(rng).rstrip()) for style, frame in FRAMES.items() for _ in range(PER_STYLE)]
