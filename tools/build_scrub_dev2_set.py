"""Build the scrubber's second development set, tests/data/scrub_dev2_de.jsonl (issue 12, second round).

Run: .venv/bin/python -m tools.build_scrub_dev2_set
Written apart from the first set (tests/data/scrub_dev_de.jsonl) and from the scrubber's lists, to measure how the
scrubber does on text it was not tuned to before the second round changed anything: the hand-written sentences are in
tests/data/scrub_dev2_de.src.txt, the templates and value pools below are this file's own. Styles are those of
tests/data/SCRUB_LABELS.md (leitstelle, buerger, funk, polizei, ordnungsamt); labelling follows that file. The
templates vary the formats the first round missed most: plates (with and without hyphen or blank, foreign, partial,
moped insurance plates), ID numbers of every kind with and without a cue word, dates of birth in many notations,
origin words in every gender and case, names without a cue. Seeded: the output is the same every run.
"""

# ruff: noqa: RUF001, S311  -- names are written as their owners write them; the seed only makes the set stable.

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from tools.build_scrub_dev_set import assemble, write

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "scrub_dev2_de.src.txt"
OUTPUT = ROOT / "tests" / "data" / "scrub_dev2_de.jsonl"
_EXPANSIONS = 7

FULL_NAMES = """
Kojo Antwi|Adwoa Frimpong|Emeka Nwosu|Chiamaka Obi|Babajide Ogunleye|Aissatou Barry|Cheikh Ndiaye|Modou Faye
Fanta Kouyaté|Boubacar Traoré|Wojciech Lewandowski|Joanna Mazur|Krzysztof Dąbrowski|Ewa Szymańska|Przemysław Kozłowski
Beata Jankowska|Radu Petrescu|Ioana Stan|Bogdan Marinescu|Cristina Dumitru|Valentin Georgescu|Hassan Al-Masri
Samira Bakri|Yusuf Hamadi|Mariam Saad|Walid Chahine|Amira Farouk|Mustafa Ibrahim|Carlos Fuentes Ramos|Ana Belén Ortega
Diego Salazar|Marta Gil Herrero|Hüseyin Yurt|Elif Kılıç|Murat Karaca|Gülşen Erdem|Volkan Aksoy|Nguyen Van Hung
Le Thi Mai|Dang Quoc Bao|Andrii Savchenko|Olena Hrytsenko|Taras Lysenko|Natalia Volkova|Dragan Nikolić|Milica Stojanović
Fatlum Berisha|Drita Hoxha|Levan Gelashvili|Ali Reza Mohammadi|Fereshteh Rahimi|Mohamed Abdullahi|Filsan Jama
Tsegaye Bekele|Helen Gebremedhin|Ronald Wunderlich|Sindy Krüger|Maik Hoffmann|Yvonne Scholz|Danny Günther
Manuela Berger|Frank Zimmer|Nadine Köhler|Silvio Otto|Anja Herrmann|Ralf Busch|Cindy Kaiser|Thomas Haase
Christin Beck|Maximilian Graf|Lea-Sophie Kühne|Jan-Eric Möller|Gerd-Dieter Brauer|Friederike von Alvensleben
"""
GIVEN = """
Akua Kwesi Nnamdi Ifeoma Sekou Kadiatou Grzegorz Jadwiga Mirosław Iwona Dorin Simona Costel Adina Tarek Lina Rami
Souad Mohammed Imane Sergio Nuria Esteban Carmen Burak Sibel Hakan Derya Thanh Linh Yurii Halyna Milan Vesna Besnik
Lindita Tamar Davit Parisa Reza Ayan Hamza Mehari Saba Enrico Kerstin Marco Jeannette Steffi Holger Lars Britta
"""
SURNAMES = """
Osei Addo Ezeh Okonkwo Balogun Diop Sylla Konaté Kamiński Zieliński Szewczyk Wróbel Pawlak Popa Dobre Munteanu Vasile
Tudor Nasser Khalil Aziz Mahmoud Sabbagh Romero Castro Delgado Navarro Aslan Güneş Polat Yavuz Pham Bui Do Shevchuk
Marchenko Petrov Marković Popović Rama Shehu Tsiklauri Moradi Sharifi Warsame Tesfamariam Kühnel Ziegler Pfeiffer
Brandt Jäger Schubert Hahn Schumann Lorenz Voigt Engelhardt Hering Kuhn Schmied
"""
# Surnames that are also everyday German words: names only by context.
WORD_SURNAMES = "Bäcker Schneider Fischer Koch Wolf Fuchs Vogel Hase Bauer Schäfer Jäger Krämer Lange Klein Groß"
LOWER_NAMES = """
kwame|ama|emeka|jakub nowak|ania|florin|ioana|mohammed|hassan ali|leyla|murat|ayse kaya|dmitri|oksana|ronny|sindy
maik|kevin müller|chantal|justin|luca|mariusz|vasile|nour|amir
"""
NICKNAMES = """
Bolle Kiste Spinne Hörnchen Kobra Locke Schlumpf Zwerg Fliege Mäuschen Bulle Rakete Socke Keule Kuli Pepe Zotte
Muckel Toni Eumel Mops Pfeffer Krücke
"""
ORIGIN_NOUNS = """
Syrer|Syrerin|Syrern|Syrerinnen|Afghane|Afghanin|Afghanen|Pole|Polin|Polen|Rumäne|Rumänin|Rumänen
Bulgare|Bulgarin|Iraker|Irakerin|Marokkaner|Algerier|Tunesier|Libyer|Türke|Türkin|Türken|Kurde|Kurdin|Russe|Russin
Ukrainer|Ukrainerin|Eritreer|Somalier|Äthiopier|Nigerianer|Ghanaer|Senegalese|Gambier|Guineer|Vietnamese|Vietnamesin
Chinese|Inder|Pakistaner|Tschetschene|Georgier|Albaner|Kosovare|Serbe|Roma|Sinti|Deutscher|Deutsche|Italiener
Spanier|Libanese|Iraner|Araber|Araberin|Afrikaner|Afrikanerin|Südländer|Osteuropäer|Nordafrikaner|Tschechin|Ungarin
"""
ORIGIN_STEMS = """
syrisch afghanisch polnisch rumänisch bulgarisch irakisch marokkanisch algerisch tunesisch türkisch kurdisch russisch
ukrainisch eritreisch somalisch nigerianisch ghanaisch vietnamesisch tschechisch libanesisch iranisch kosovarisch
albanisch georgisch serbisch ungarisch deutsch italienisch spanisch litauisch moldauisch guineisch
"""
ORIGIN_LOOKS = """
südländisch|südländischem|südländischen|osteuropäisch|osteuropäischem|nordafrikanisch|nordafrikanischem
arabisch|arabischem|afrikanisch|asiatisch|asiatischem|dunkelhäutig|dunkelhäutiger|orientalisch|orientalischem
"""
PERSON_NOUNS = """
Staatsangehöriger|Mann|Frau|Jugendlicher|Jugendliche|Täter|Täterin|Fahrgast|Person|Herkunft|Abstammung|Kind
Familie|Männer|Frauen|Bauarbeiter|Obdachloser|Radfahrer|Kunde|Mieter|Bettler|Beschuldigter
"""
STREETS = """
Leipziger Straße|Rannische Straße|Steinweg|Alter Markt|Kleine Klausstraße|Schmeerstraße|Mittelstraße|Dreyhauptstraße
Rudolf-Ernst-Weise-Straße|Emil-Abderhalden-Straße|Ernst-Barlach-Straße|Dessauer Straße|Berliner Straße
Magdeburger Straße|Harz|Seebener Straße|Burgstraße|Forsterstraße|Zollrain|Sophienstraße|Heinrich-Heine-Straße
Lessingstraße|Blumenauweg|Am Bruchsee|Stendaler Straße|Salzmünder Straße|Freiimfelder Straße|Hordorfer Straße
Beesener Straße|Paracelsusstraße|Hermann-Heidel-Straße|Vogelherd|Zur Saaleaue|Wörmlitzer Straße
"""
STOPS = """
Marktplatz|Riebeckplatz|Hauptbahnhof|Franckeplatz|Steintor|Reileck|Rannischer Platz|Südstadt|Neustadt Centrum
Zscherbener Straße|Göttinger Bogen|Hubertusplatz|Kröllwitz|Rosengarten|Pfälzer Platz|Ammendorf|Beesen|Büschdorf
Bahnhof Dessau|Kurallee|Betriebshof Freiimfelde|Saalekreis|Am Leipziger Turm|Joliot-Curie-Platz|Moritzburgring
"""
COMPANIES = """
Stadtwerke Halle|HAVAG|Rewe|Penny|Saalesparkasse|Kaufland|Getränke Hoffmann|Bäckerei Schäfer|Autohaus Koch
Deutsche Post|Sparkasse|Polizeirevier Halle|Jobcenter|Ordnungsamt|Wohnungsgesellschaft HWG|GWG
"""
DISTRICTS = ["HAL", "SK", "MQ", "MER", "L", "LSA", "B", "DE", "BTF", "SGH", "EIL", "NMB", "WSF", "ABG", "Z", "M", "HH"]
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
FOREIGN_PLATES = (
    "WPI 48213", "PO 3KX72", "DW 81234", "KR 4F9T2", "EL 77Z12", "1SB 4922", "4AB 1234", "7U4 2211", "GZ-208-K",
    "AB-123-CD", "FR-451-ZT", "AA 4721 KP", "BC 1234 HH", "CT 55 ABC", "B 234 XYZ", "IS 12 RTF", "PB 618 BE",
    "WN-12345", "SZ-827KB", "BA 123 XY", "ZG 3312-AB", "AC 17 TKM",
)  # fmt: skip
ROLES_M = ["Anrufer", "Zeuge", "Mitteiler", "Geschädigter", "Fahrgast", "Beschuldigter", "Halter", "Betroffener"]
ROLES_F = ["Anruferin", "Zeugin", "Mitteilerin", "Geschädigte", "Fahrgästin", "Beschuldigte", "Halterin", "Betroffene"]
MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"


def _month(number: int) -> str:
    return MONTHS.split()[number - 1]


def _pool(text: str, sep: str | None = None) -> list[str]:
    if sep is None:
        return text.split()
    return [p.strip() for line in text.strip().splitlines() for p in line.split(sep) if p.strip()]


class Values:
    """Random values for the template slots; every personal one comes back already marked up."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.full = _pool(FULL_NAMES, "|")
        self.given = _pool(GIVEN)
        self.surnames = _pool(SURNAMES)
        self.word_surnames = _pool(WORD_SURNAMES)
        self.lower = _pool(LOWER_NAMES, "|")
        self.nick = _pool(NICKNAMES)
        self.nouns = _pool(ORIGIN_NOUNS, "|")
        self.stems = _pool(ORIGIN_STEMS)
        self.looks = _pool(ORIGIN_LOOKS, "|")
        self.person_nouns = _pool(PERSON_NOUNS, "|")
        self.streets = _pool(STREETS, "|")
        self.stops = _pool(STOPS, "|")
        self.companies = _pool(COMPANIES, "|")

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice(LETTERS) for _ in range(n))

    def phone(self) -> str:
        r = self.rng
        mobile = r.choice(("0151", "0155", "0159", "0160", "0162", "0170", "0173", "0174", "0175", "0177", "0179"))
        sub = self.digits(r.choice((7, 8)))
        local = r.choice("2345678") + self.digits(r.choice((4, 5, 6)))
        forms = (
            f"{mobile} {sub}", f"{mobile}{sub}", f"{mobile}-{sub[:3]} {sub[3:]}", f"0345 {local}", f"0345-{local}",
            f"+49 {mobile[1:]} {sub}", f"+49 (0)345 {local}", f"+48 {self.digits(3)} {self.digits(3)} {self.digits(3)}",
            f"+40 7{self.digits(2)} {self.digits(3)} {self.digits(3)}", f"0345/{local}-{self.digits(2)}",
            f"({mobile}) {sub}", f"0 345 {local}",
        )  # fmt: skip
        return f"[PHONE:{r.choice(forms)}]"

    def plate(self) -> str:
        r = self.rng
        code = r.choice(DISTRICTS)
        letters = self.letters(r.choice((1, 2)))
        number = str(r.randint(1, 999 if len(code) + len(letters) > 3 else 9999))
        forms = (
            f"{code}-{letters} {number}", f"{code} {letters} {number}", f"{code}-{letters}{number}",
            f"{code} {letters}{number}", f"{code}-{letters}-{number}", f"{code}{letters}{number}".lower(),
            f"{code}-{letters} {number}H", f"{code} - {letters} {number}",
        )  # fmt: skip
        return f"[PLATE:{r.choice(forms)}]"

    def partial_plate(self) -> str:
        r = self.rng
        code = r.choice(DISTRICTS)
        forms = (
            f"{code}-{self.letters(1)}",
            f"{code}-{self.letters(2)}",
            f"{code}-{self.letters(2)} {r.randint(1, 9)}",
        )
        return f"[PLATE:{r.choice(forms)}]"

    def insurance_plate(self) -> str:
        return f"[PLATE:{self.rng.randint(100, 999)} {self.letters(3)}]"

    def address(self) -> str:
        r = self.rng
        street = r.choice(self.streets)
        if r.random() < 0.25 and street.endswith("traße"):
            street = street[:-5] + "tr."
        number = str(r.randint(1, 160)) + r.choice(("", "", "", "a", "c", "-12"))
        post = r.choice(("06108", "06112", "06116", "06120", "06124", "06128", "06132"))
        tail = r.choice(("", "", f", {post} Halle", f" in {post} Halle (Saale)", f", {post} Halle/Saale"))
        return f"[ADDRESS:{street} {number}{tail}]"

    def dob(self) -> str:
        r = self.rng
        d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(1938, 2014)
        forms = (
            f"{d:02d}.{m:02d}.{y}", f"{d}.{m}.{y % 100:02d}", f"{d}.{m}.{y}", f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}. {_month(m)} {y}", f"{d}. {_month(m)} {y}", f"{d:02d}/{m:02d}/{y}",
            f"{d:02d}.{m:02d}.{y % 100:02d}",
        )  # fmt: skip
        return f"[DOB:{r.choice(forms)}]"

    def email(self, name: str) -> str:
        r = self.rng
        parts = [re.sub(r"[^a-z]", "", p.lower()) or "x" for p in name.split()]
        local = r.choice((".".join(parts), parts[0][0] + parts[-1], parts[-1] + self.digits(2), "_".join(parts)))
        domain = r.choice(("gmx.net", "web.de", "freenet.de", "outlook.de", "yahoo.com", "icloud.com", "halle.de"))
        at = r.choice(("@", "@", "@", "(at)", " (at) ", " at "))  # "[at]" would end the mark-up
        return f"[EMAIL:{local}{at}{domain}]"

    def iban(self) -> str:
        bban = self.digits(18)
        check = 98 - int(bban + "131400") % 97
        compact = f"DE{check:02d}{bban}"
        grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        return f"[IBAN:{self.rng.choice((compact, grouped, grouped.lower()))}]"

    def id_card(self) -> str:
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        r = self.rng
        body = r.choice("LMNPRTVWXYZ") + "".join(r.choice(alphabet) for _ in range(8))
        forms = (body, body + r.choice("0123456789"), body.lower(), f"{self.digits(10)}")  # new, with check, old
        return f"[IDNUMBER:{r.choice(forms)}]"

    def passport(self) -> str:
        r = self.rng
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        forms = (
            f"{r.choice('CFGHJK')}{''.join(r.choice(alphabet) for _ in range(8))}",
            f"{self.letters(2)}{self.digits(7)}",  # foreign passports
            f"N{self.digits(8)}",
        )
        return f"[IDNUMBER:{r.choice(forms)}]"

    def tax_id(self) -> str:
        from stdnum.de import idnr
        from stdnum.iso7064 import mod_11_10

        while True:
            body = str(self.rng.randint(1, 9)) + self.digits(9)
            number = body + mod_11_10.calc_check_digit(body)
            if idnr.is_valid(number):
                break
        forms = (
            number,
            f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}",
            f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}",
        )
        return f"[IDNUMBER:{self.rng.choice(forms)}]"

    def social(self) -> str:
        r = self.rng
        d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(40, 99)
        letter = r.choice("ABDGKMNRSTW")
        a, b, c = self.digits(2), f"{d:02d}{m:02d}{y:02d}", self.digits(3)
        forms = (f"{a} {b} {letter} {c}", f"{a}{b}{letter}{c}", f"{a} {b} {letter}{c}", f"{a}-{b}-{letter}-{c}")
        return f"[IDNUMBER:{r.choice(forms)}]"

    def licence(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        r = self.rng
        forms = (
            r.choice("BJKMN") + "".join(r.choice(alphabet) for _ in range(10)),
            f"{r.choice('BJKMN')}{self.digits(3)}{self.letters(1)}{self.digits(5)}{self.letters(1)}{self.digits(1)}",
            f"{self.digits(2)}/{self.digits(6)}",
        )
        return f"[IDNUMBER:{r.choice(forms)}]"

    def vin(self) -> str:
        r = self.rng
        wmi = r.choice(("WVW", "WDD", "WBA", "VF3", "ZFA", "TMB", "WF0", "WAU", "VSS", "YV1", "JTD", "KNA", "UU1"))
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        vin = f"{wmi}{''.join(r.choice(alphabet) for _ in range(8))}{self.digits(6)}"
        return f"[IDNUMBER:{r.choice((vin, vin, vin.lower()))}]"

    def case_number(self) -> str:
        forms = (f"E-2026-{self.digits(5)}", f"26/{self.digits(6)}", f"Az. {self.digits(3)} Js {self.digits(4)}/26")
        return self.rng.choice(forms)

    def slots(self) -> dict[str, Callable[[], str]]:
        r = self.rng
        return {
            "N": lambda: f"[NAME:{self.pick(self.full)}]",
            "G": lambda: f"[NAME:{self.pick(self.given)}]",
            "S": lambda: f"[NAME:{self.pick(self.surnames)}]",
            "WS": lambda: f"[NAME:{self.pick(self.word_surnames)}]",
            "NL": lambda: f"[NAME:{self.pick(self.lower)}]",
            "NN": lambda: f"[NAME:{self.pick(self.nick)}]",
            "NC": lambda: f"[NAME:{self.pick(self.surnames).upper()}, {self.pick(self.given)}]",
            "INI": lambda: f"[NAME:{self.pick(self.given)} {r.choice('ABDEFGHKLMNPRSTWZ')}.]",
            "P": self.phone,
            "K": self.plate,
            "KP": self.partial_plate,
            "KV": self.insurance_plate,
            "KF": lambda: f"[PLATE:{r.choice(FOREIGN_PLATES)}]",
            "A": self.address,
            "D": self.dob,
            "I": self.iban,
            "PA": self.id_card,
            "RP": self.passport,
            "ST": self.tax_id,
            "SV": self.social,
            "FS": self.licence,
            "VIN": self.vin,
            "ONO": lambda: f"[ORIGIN:{self.pick(self.nouns)}]",
            "OER": lambda: f"[ORIGIN:{self.pick(self.stems)}er]",
            "OE": lambda: f"[ORIGIN:{self.pick(self.stems)}e]",
            "OEN": lambda: f"[ORIGIN:{self.pick(self.stems)}en]",
            "OEM": lambda: f"[ORIGIN:{self.pick(self.stems)}em]",
            "OL": lambda: f"[ORIGIN:{self.pick(self.looks)}]",
            "PN": lambda: self.pick(self.person_nouns),
            "RM": lambda: self.pick(ROLES_M),
            "RF": lambda: self.pick(ROLES_F),
            "STOP": lambda: self.pick(self.stops),
            "STR": lambda: self.pick(self.streets),
            "FIRMA": lambda: self.pick(self.companies),
            "L": lambda: str(r.choice((1, 2, 3, 5, 7, 8, 9, 10, 12, 16, 94, 95))),
            "W": lambda: str(r.randint(601, 699)),
            "CS": lambda: f"{r.choice(('Leo', 'Saale', 'Adler'))} {r.randint(10, 29)}/{r.randint(1, 5)}",
            "EN": self.case_number,
            "T": lambda: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
            "DT": lambda: f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.2026",
            "AGE": lambda: str(r.randint(12, 85)),
        }  # fmt: skip


TEMPLATES = """
@style leitstelle
{EN} {RM} {N} meldet Pkw {K} auf Radweg {STR}, RR {P}
{T} Kennzeichen {K} fährt Schlangenlinien Ri. {STOP}, {CS} übernimmt
Kfz {K} verlassen aufgefunden, FIN {VIN}, Halterabfrage läuft
Pkw mit Kennz. {KF} hat Haltestelle {STOP} beschädigt, Fahrer flüchtig
{RF} {N} konnte nur {KP} ablesen, roter Transporter
Roller mit Versicherungskennzeichen {KV} ohne Licht in der {STR}
Pers.-Feststellung: {N}, geb. {D}, PA-Nr. {PA}
Pers.: {NC}, Geb.-Dat. {D}, wh. {A}
Beteiligter {ONO}, ca. {AGE} J., {OL} aussehend, flüchtig Ri. {STOP}
{RM} beschreibt Täter als {OER} {PN}, ca. {AGE}
{CS}: {S} angetroffen, *{D}, keine Papiere
Mitteiler {S} ruft an: {G} sei wieder betrunken an der Hst. {STOP}
@style polizei
Der Beschuldigte {N} (geb. {D}) wies sich mit dem Personalausweis {PA} aus.
Die Geschädigte {N}, geboren am {D}, wohnhaft {A}, erstattete Anzeige.
Der Fahrzeugführer legte den Führerschein mit der Nummer {FS} vor, ausgestellt auf {N}.
Bei dem Tatverdächtigen handelt es sich um einen {AGE}-jährigen {ONO}.
Ein Zeuge beschrieb die Täterin als {OE} Frau mit dunklen Haaren.
Die Identität wurde anhand des Reisepasses {RP} festgestellt.
Die Steueridentifikationsnummer {ST} wurde dem Finanzamt mitgeteilt.
Die Rentenversicherungsnummer {SV} des Geschädigten liegt der Akte bei.
Das Fahrzeug mit der Fahrgestellnummer {VIN} und dem amtlichen Kennzeichen {K} wurde sichergestellt.
Die Zeugin {N} gab an, Herr {WS} habe zuerst zugeschlagen.
Die Beschuldigte {N} ist {OE} Staatsangehörige.
Frau {WS} erschien um {T} Uhr auf der Dienststelle.
Der Betrag wurde auf das Konto {I} des Beschuldigten {N} überwiesen.
@style buerger
hallo ich bin {NL} und an der {STOP} liegt ein kaputter roller mit kennzeichen {KV}
guten tag, das auto {K} steht seit wochen vor meiner tür {A} mfg {NL}
In der {STR} parkt ein Wohnmobil {KF} seit drei Wochen. Gruß {N}
melde mich wegen lärm, nachbar {NL} macht jeden abend party!!! tel {P}
Bitte rufen Sie mich zurück: {P} oder schreiben Sie an {E}. Viele Grüße {N}
der typ der sich {NN} nennt verkauft an der hst {STOP} drogen
Sehr geehrte Damen und Herren, mein Sohn {G} ({AGE}) wurde in der Linie {L} von einem {ONO} angepöbelt.
ich hab das kennzeichen nur halb gesehen: {KP}
Mein Nachbar Herr {WS} stellt seinen Müll immer in den Hof. {N}
@style funk
Wg {W} an LS: Pkw {K} steht im Gleis Hst. {STOP}
Wagen {W} L{L}: Fahrgast {ONO}, aggressiv, ca. {AGE}, Hst. {STOP}
Wg {W}: Kennz. {K} blockiert Weiche, bitte Abschlepp
Fahrer {W}: zwei {OE} Jugendliche werfen Steine, Hst. {STOP}
Wg {W} an LS: Fahrgast {G} gestürzt Hst. {STOP}, RTW nötig
LS an Wg {W}: Kollege {S} löst Sie an der {STOP} ab
Wg {W}: Roller {KV} fährt vor mir im Gleisbereich
@style ordnungsamt
Kontrolle {STR}: Pkw {K} im Halteverbot, Verwarngeld, Halterin {N}
Streetwork: {NN} und {G} am {STOP}, beide stark alkoholisiert
OA-Vermerk: Gewerbetreibender {N}, {A}, Tel. {P}, Steuer-ID {ST}
Obdachloser {ONO} ({AGE}) am {STOP} angetroffen, Unterbringung abgelehnt
Bußgeldverfahren gegen {N}, geb. {D}, Fahrerlaubnis Nr. {FS}
Anwohnerin {NL} beschwert sich über Hundekot vor {A}
Kontrolle Pkw {KF}, Fahrer {N}, Ausweis {RP}
Erstattung Verwarngeld an {N}, IBAN {I}
"""


def _expand(template: str, values: Values) -> str:
    slots = values.slots()

    def fill(m: re.Match[str]) -> str:
        key = m.group(1)
        if key == "E":
            return values.email(values.pick(values.full))
        return slots[key]()

    return re.sub(r"\{([A-Z]+)\}", fill, template)


def build() -> list[dict[str, object]]:
    """Every sentence of the set: the hand-written ones, then the templates, each expanded several times."""
    values = Values(random.Random(1212))
    return assemble(SOURCE, TEMPLATES, lambda template: _expand(template, values), "dev2")


def main() -> None:
    write(build(), OUTPUT)


if __name__ == "__main__":
    main()
