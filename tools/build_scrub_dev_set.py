"""Build the scrubber's development set, tests/data/scrub_dev_de.jsonl, from hand-written sentences and templates.

Run: .venv/bin/python -m tools.build_scrub_dev_set
The hand-written sentences are in tests/data/scrub_dev_de.src.txt; the templates and value pools below were written
for issue 12 in the styles of Halle's control rooms, citizens' reports, tram drivers' radio notes, police prose and
Streetwork notes, with traps (stop and street names, line, car and incident numbers, call signs, companies). The
value pools are this file's own and are not used by the scrubber's lists. Seeded: the output is the same every run.
Labelled values are written ``[LABEL:value]``; the labelling conventions are those of docs/privacy.md.
"""

# ruff: noqa: RUF001, S311  -- names are written as their owners write them; the seed only makes the set stable.

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "scrub_dev_de.src.txt"
OUTPUT = ROOT / "tests" / "data" / "scrub_dev_de.jsonl"
LABELS = ("NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN")
_MARK = re.compile(r"\[(" + "|".join(LABELS) + r"):([^\]]+)\]")
_EXPANSIONS = 7

FULL_NAMES = """
Kwame Asante|Abena Mensah|Kofi Boateng|Akosua Darko|Yaw Owusu|Efua Quaye|Chinedu Okeke|Ngozi Eze|Oluwadamilare Ajayi
Funmilayo Adeyemi|Tunde Bakare|Mamadou Diallo|Fatoumata Camara|Ousmane Sow|Aminata Touré|Ibrahima Bah|Seydou Keïta
Adama Coulibaly|Binta Jallow|Lamin Ceesay|Tomasz Nowicki|Katarzyna Wójcik|Paweł Jabłoński|Małgorzata Zając
Jakub Kaczmarek|Agnieszka Grabowska|Marcin Pietrzak|Zbigniew Król|Dorota Wieczorek|Łukasz Michalski
Andreea Popovici|Florin Stoica
Mihaela Dinu|Ionuț Radu|Alexandru Lungu|Elena Barbu|Cosmin Toma|Raluca Matei|Vlad Ungureanu|Ahmad al-Hassan|Omar Haddad
Rania Khoury|Mahmoud Abu Zeid|Layla Nasser|Khaled Mansour|Yasmin el-Amin|Tariq Suleiman|Nour Darwish|Bilal Qasim
José Luis Rodríguez|María del Carmen Sánchez|Juan Carlos Romero|Lucía Navarro|Javier Moreno Díaz|Pilar Jiménez
Alejandra Castillo Vega|Mehmet Aydın|Ayşe Kaya|Emre Doğan|Zeynep Arslan|Serkan Öztürk|Rojhat Demir|Berivan Aslan
Nguyễn Thị Lan|Tran Minh Duc|Pham Thu Ha|Oleksandr Bondarenko|Iryna Shevchenko|Dmytro Kovalenko|Svetlana Morozova
Artur Wagner|Jelena Petrović|Nikola Jovanović|Arben Krasniqi|Besa Gashi|Giorgi Beridze|Mariam Jafari|Hossein Karimi
Zahra Ahmadi|Abdirahman Farah|Hodan Warsame|Tesfaye Girma|Selam Tesfay|Yonas Haile|Sandra Lehmann|Kevin Schulze
Mandy Richter|Ronny Pohl|Heike Zimmermann|Torsten Kühn|Jacqueline Vogel|Dieter Fuchs|Sabine Wolf|Marcel Koch
Ines Hahn|Uwe Engel|Doreen Bauer|Steffen Lange|Karin Fink|Enrico Sommer|Peggy Winter|Rico Hase|Anke Kurz|Jens Fröhlich
Marie-Luise Brandt|Hans-Peter Ebert|Anna-Lena Seidel|Karl-Heinz Voigt|Lotte Schwarz|Paul Weiß|Emilia Stern
"""
GIVEN = """
Kwabena Esi Adjoa Chidi Obinna Folake Moussa Awa Souleymane Mariama Bartosz Zofia Wiktor Halina Stanisław Gabriela Sorin
Loredana Mircea Bianca Ovidiu Yousef Hiba Samir Dalia Nabil Rasha Raúl Inés Álvaro Rocío Ignacio Ercan Dilek Cengiz
Şirin Hoa Tuan Vitalii Oksana Bohdan Jovana Arjeta Nino Farid Shirin Ayaan Semhar Dawit Ronny Mandy Jacqueline Dörte
Kai Ute Lutz Ilka
"""
SURNAMES = """
Appiah Agyeman Nwankwo Okafor Adeleke Oyelaran Sissoko Ndour Dembélé Jatta Zawadzki Sikora Wróblewski Kubiak Baran
Constantinescu Moldovan Lazăr Ciobanu Oprea Haddad Saleh Hamdan Bakr Yassin Gutiérrez Ortiz Herrera Medina Vázquez
Yıldız Çelik Şahin Kurt Koç Nguyen Hoang Tkachenko Melnyk Kravets Ilić Hoxha Kapanadze Rezaei Hashemi Abdi Tekle
Fuchs Wolf Koch Vogel Fink Hase Engel Winter Sommer Lange Kurz Stern Schwarz Weiß Krause Lehmann
"""
LOWER_NAMES = """
kofi mensah|ama owusu|tomasz nowak|ioana popa|ali hassan|fatma demir|yaw boateng|bartek|kasia lis|marius|chioma|
jan kowalski|ronny|mandy schulz|kevin|elena rusu|samir|ahmed|jessica|dominik berg
"""
NICKNAMES = """
Kalle Stulle Ratte Hacki Zecke Bommel Mücke Atze Olli Manni Kralle Bolle Tiger Schnecke Pille Locke Krümel Paule Fiete
Ede Kuddel Mecki Speedy Knolle Dscho Jojo Sunny
"""
ORIGIN_STEMS = """
syrisch afghanisch polnisch rumänisch bulgarisch irakisch marokkanisch algerisch türkisch russisch ukrainisch eritreisch
somalisch ghanaisch nigerianisch guineisch vietnamesisch tschechisch italienisch libanesisch iranisch deutsch
kosovarisch albanisch georgisch tunesisch sudanesisch pakistanisch indisch chinesisch serbisch ungarisch
"""
ORIGIN_LOOKS = "südländisch arabisch osteuropäisch nordafrikanisch afrikanisch asiatisch dunkelhäutig orientalisch"
ORIGIN_NOUNS_M = """
Syrer Afghane Pole Rumäne Bulgare Iraker Marokkaner Algerier Türke Russe Ukrainer Eritreer Somalier Ghanaer Nigerianer
Guineer Vietnamese Tscheche Italiener Libanese Iraner Kosovare Albaner Georgier Tunesier Sudanese Pakistaner Inder Serbe
"""
ORIGIN_NOUNS_F = (
    "Syrerin Afghanin Polin Rumänin Bulgarin Irakerin Türkin Russin Ukrainerin Eritreerin Somalierin Ghanaerin"
)
STREETS = """
Reilstraße|Große Ulrichstraße|Geiststraße|Ludwig-Wucherer-Straße|Landsberger Straße|Merseburger Straße|Lutherstraße
Torstraße|Kantstraße|Bernburger Straße|Wittekindstraße|Carl-von-Ossietzky-Straße|Kurt-Tucholsky-Straße|Advokatenweg
Mansfelder Straße|Trothaer Straße|Rathenauplatz|Am Kirchtor|An der Schwimmhalle|Im Lehmbreitenweg|Gimritzer Damm
Hallorenring|Vogelweide|Delitzscher Straße|Huttenstraße|Zerbster Straße|Schleiermacherstraße|Fleischerstraße
Richard-Wagner-Straße|Willy-Brandt-Straße|Otto-Kilian-Straße|Liebenauer Straße|Kröllwitzer Straße|Böllberger Weg
"""
STREET_ABBR = {"straße": "str.", "Straße": "Str."}
POSTCODES = ("06108", "06110", "06112", "06114", "06116", "06118", "06120", "06122", "06124", "06126", "06128", "06130")
STOPS = """
Marktplatz|Rennbahnkreuz|Steintor|Am Steintor|Franckeplatz|Riebeckplatz|Hauptbahnhof|Reileck|Zoo|Vogelweide
Glauchaer Platz|Rosengarten|Soltauer Straße|Damaschkestraße|Beesener Straße|Hermes|Kröllwitz|Trotha|Frohe Zukunft
Hallmarkt|Südstadt|Heide|Neustadt Centrum|Gimritzer Damm|Hubertusplatz|Volkmannstraße|Lutherplatz|Ernst-Kamieth-Straße
Rathenauplatz|Saline|Diakoniewerk|Kurt-Tucholsky-Straße|Paul-Suhr-Straße|Silberhöhe|Wilhelm-Külz-Straße
"""
COMPANIES = """
Stadtwerke Halle|HAVAG|Kaufland|Saalesparkasse|Hallesche Wasser und Stadtwirtschaft|Deutsche Bahn|MDR|Netto
Abschleppdienst Saale GmbH|Hausverwaltung Giebichenstein|Caritas|Diakonie|Bauhaus|Lidl|Edeka
"""
DISTRICTS = ["HAL", "SK", "MQ", "MER", "L", "LSA", "B", "DD", "BLK", "WB", "ML", "SLK", "DE", "HET"]
FOREIGN_PLATES = (
    "PO 5XY12", "DW 4K821", "WGM 20418", "KR 9R2T4", "3U2 4418", "1AX 7723", "B 123 ABC", "CJ 12 XYZ", "W-48213K",
    "12-ABC-3", "CB 2314 PX", "SB 5521 AK", "PZ 83LL4", "TM 07 RDS", "G-KL 412",
)  # fmt: skip
ROLES_M = [
    "Anrufer",
    "Zeuge",
    "Mitteiler",
    "Geschädigter",
    "Fahrgast",
    "Beschuldigter",
    "Tatverdächtiger",
    "Halter",
    "Nachbar",
    "Melder",
]
ROLES_F = [
    "Anruferin",
    "Zeugin",
    "Mitteilerin",
    "Geschädigte",
    "Kundin",
    "Beschuldigte",
    "Halterin",
    "Nachbarin",
    "Melderin",
]
VERBS = ["meldet", "gibt an", "teilt mit", "berichtet", "beschwert sich", "schildert", "sagt aus", "ruft an"]


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
        self.lower = _pool(LOWER_NAMES, "|")
        self.nick = _pool(NICKNAMES)
        self.stems = _pool(ORIGIN_STEMS)
        self.looks = _pool(ORIGIN_LOOKS)
        self.nouns_m = _pool(ORIGIN_NOUNS_M)
        self.nouns_f = _pool(ORIGIN_NOUNS_F)
        self.streets = _pool(STREETS, "|")
        self.stops = _pool(STOPS, "|")
        self.companies = _pool(COMPANIES, "|")

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def phone(self) -> str:
        r = self.rng
        mobile = r.choice(("0151", "0152", "0157", "0160", "0162", "0163", "0170", "0171", "0172", "0176", "0178"))
        sub = self.digits(7) if r.random() < 0.5 else self.digits(8)
        land = "0345 " if r.random() < 0.8 else r.choice(("0341 ", "03461 ", "034602 ", "030 "))
        local = r.choice("2345678") + self.digits(r.choice((5, 6)))
        forms = (
            f"{mobile} {sub}",
            f"{mobile}-{sub}",
            f"{mobile}/{sub}",
            f"{land}{local}",
            f"{land.strip()}/{local}",
            f"{land.strip()}-{local}",
            f"+49 {mobile[1:]} {sub}",
            f"+49 (0) 345 {local}",
            f"0049 345 {local}",
            f"{land}{_pairs_from_right(local)}",
            f"{mobile} {_pairs_from_right(sub)}",
            f"{mobile}.{_pairs_from_right(sub).replace(' ', '.')}",
            f"({land.strip()}) {local}",
            f"{mobile[:2]} {mobile[2:]} / {_pairs_from_right(sub)}",
        )
        return f"[PHONE:{r.choice(forms)}]"

    def plate(self) -> str:
        r = self.rng
        code = r.choice(DISTRICTS)
        letters = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(r.choice((1, 2))))
        number = str(r.randint(1, 9999 if len(code) + len(letters) <= 4 else 999))
        sep = r.choice(("-", " ", "-", " - "))
        form = r.choice(
            (f"{code}{sep}{letters} {number}", f"{code}{sep}{letters}{number}", f"{code}-{letters} {number}E")
        )
        return f"[PLATE:{form}]"

    def partial_plate(self) -> str:
        r = self.rng
        code = r.choice(DISTRICTS)
        letters = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(r.choice((1, 2))))
        return f"[PLATE:{r.choice((f'{code}-{letters}', f'{code}-{letters} {r.randint(1, 9)}'))}]"

    def address(self) -> str:
        r = self.rng
        street = r.choice(self.streets)
        if r.random() < 0.3:
            for long, short in STREET_ABBR.items():
                street = street.replace(long, short) if street.endswith(long) else street
        number = str(r.randint(1, 180)) + r.choice(("", "", "", "a", "b"))
        tail = r.choice(("", "", "", f", {r.choice(POSTCODES)} Halle", f", {r.choice(POSTCODES)} Halle (Saale)"))
        return f"[ADDRESS:{street} {number}{tail}]"

    def dob(self) -> str:
        r = self.rng
        d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(1940, 2012)
        return f"[DOB:{r.choice((f'{d:02d}.{m:02d}.{y}', f'{d}.{m}.{y}', f'{y}-{m:02d}-{d:02d}'))}]"

    def email(self, name: str) -> str:
        r = self.rng
        parts = [re.sub(r"[^a-z]", "", p.lower()) or "x" for p in name.split()]
        local = r.choice((".".join(parts), parts[0][0] + parts[-1], parts[-1] + self.digits(2)))
        return f"[EMAIL:{local}@{r.choice(('gmx.de', 'web.de', 'posteo.de', 't-online.de', 'gmail.com'))}]"

    def iban(self) -> str:
        bban = self.digits(18)
        check = 98 - int(bban + "131400") % 97
        compact = f"DE{check:02d}{bban}"
        grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        return f"[IBAN:{self.rng.choice((compact, grouped))}]"

    def id_card(self) -> str:
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        return (
            "[IDNUMBER:" + self.rng.choice("LMNPRTVWXYZ") + "".join(self.rng.choice(alphabet) for _ in range(8)) + "]"
        )

    def passport(self) -> str:
        r = self.rng
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        return f"[IDNUMBER:{r.choice('CFGHJK')}{''.join(r.choice(alphabet) for _ in range(8))}]"

    def tax_id(self) -> str:
        from stdnum.de import idnr
        from stdnum.iso7064 import mod_11_10

        while True:
            body = str(self.rng.randint(1, 9)) + self.digits(9)
            number = body + mod_11_10.calc_check_digit(body)
            if idnr.is_valid(number):
                break
        spaced = f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
        return f"[IDNUMBER:{self.rng.choice((number, spaced))}]"

    def social(self) -> str:
        r = self.rng
        d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(40, 99)
        letter = r.choice("ABDGKMNRSTW")
        return f"[IDNUMBER:{self.digits(2)} {d:02d}{m:02d}{y:02d} {letter} {self.digits(3)}]"

    def licence(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return "[IDNUMBER:" + self.rng.choice("BJKM") + "".join(self.rng.choice(alphabet) for _ in range(10)) + "]"

    def vin(self) -> str:
        r = self.rng
        wmi = r.choice(("WVW", "WDB", "WBA", "VF1", "ZFA", "TMB", "WF0", "WAU", "SUP", "YV1"))
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return f"[IDNUMBER:{wmi}{''.join(r.choice(alphabet) for _ in range(8))}{self.digits(6)}]"

    def slots(self) -> dict[str, Callable[[], str]]:
        r = self.rng
        return {
            "N": lambda: f"[NAME:{self.pick(self.full)}]",
            "G": lambda: f"[NAME:{self.pick(self.given)}]",
            "S": lambda: f"[NAME:{self.pick(self.surnames)}]",
            "NL": lambda: f"[NAME:{self.pick(self.lower)}]",
            "NN": lambda: f"[NAME:{self.pick(self.nick)}]",
            "INI": lambda: f"[NAME:{r.choice('ABDEFGHIJKLMNOPRSTW')}. {self.pick(self.surnames)}]",
            "P": self.phone,
            "K": self.plate,
            "KP": self.partial_plate,
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
            "OER": lambda: f"[ORIGIN:{self.pick(self.stems)}er]",
            "OEN": lambda: f"[ORIGIN:{self.pick(self.stems)}en]",
            "OEM": lambda: f"[ORIGIN:{self.pick(self.stems)}em]",
            "OE": lambda: f"[ORIGIN:{self.pick(self.stems)}e]",
            "OL": lambda: f"[ORIGIN:{self.pick(self.looks)}]",
            "ON": lambda: f"[ORIGIN:{self.pick(self.nouns_m)}]",
            "OF": lambda: f"[ORIGIN:{self.pick(self.nouns_f)}]",
            "RM": lambda: self.pick(ROLES_M),
            "RF": lambda: self.pick(ROLES_F),
            "V": lambda: self.pick(VERBS),
            "STOP": lambda: self.pick(self.stops),
            "STR": lambda: self.pick(self.streets),
            "FIRMA": lambda: self.pick(self.companies),
            "L": lambda: str(r.choice((1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 16, 21, 26, 27, 36))),
            "W": lambda: str(r.randint(601, 695)),
            "CS": lambda: f"{r.choice(('Leo', 'Saale', 'Pelikan'))} {r.randint(10, 19)}/{r.randint(1, 4)}",
            "EN": lambda: r.choice(
                (f"E-2026-{self.digits(6)}", f"26/{self.digits(6)}", f"Vorgang {self.digits(5)}/26")
            ),
            "T": lambda: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
            "DT": lambda: f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.2026",
            "AGE": lambda: str(r.randint(14, 80)),
        }


def _pairs_from_right(number: str) -> str:
    groups = []
    while len(number) > 2:
        groups.insert(0, number[-2:])
        number = number[:-2]
    return " ".join([number, *groups]) if number else " ".join(groups)


TEMPLATES = """
@style leitstelle
{EN}: {RM} {N} {V}, Streit in Linie {L}, Wagen {W}, Hst. {STOP}. RR {P}.
{T} {RF} {N} meldet Ruhestörung {A}, {CS} übernimmt.
{CS} an Leitstelle: Pkw {K} blockiert Gleis an der Hst. {STOP}, Halter {N} wird ermittelt.
{RM} {S} ruft erneut an, Tel. {P}, Täter laut Angabe {OL} aussehend.
Einsatz {EN}: Fahrer Wagen {W} meldet aggressive Person an der Hst. {STOP}, keine Verletzten.
{RF} {N} ({D}) wurde in der Linie {L} bestohlen, {CS} fährt zur Hst. {STOP}.
Anrufer {N} meldet: Der Täter sei ein {AGE}-jähriger {ON}, flüchtig Ri. {STOP}.
{CS} kontrolliert Pkw mit ausländischem Kennzeichen {KF}, Fahrer {N} ohne Papiere.
Zeugin {N} konnte nur einen Teil des Kennzeichens lesen: {KP}, dunkler Kombi.
{EN}, Person hilflos an der Hst. {STOP}, Ausweis Nr. {PA} auf den Namen {N} gefunden.
Mitteilerin {N} {V}, dass ihr Nachbar {G} in der {STR} herumschreit, RR {P}.
Halter des Fahrzeugs {K} ist {N}, wohnhaft {A}.
{CS} und {CS} zur Hst. {STOP}, Schlägerei, ein Beteiligter {OER} Staatsangehöriger.
{RM} {N} teilt mit, Herr {S} aus dem Nachbarhaus habe die Scheibe eingeschlagen.
Anrufer {N} meldet Unfall, später ruft Herr {S} nochmals an.
@style polizei
Am {DT} gegen {T} Uhr wurde der Geschädigte {N}, geb. {D}, an der Haltestelle {STOP} angegriffen.
Die Beschuldigte {N}, wohnhaft {A}, wies sich mit dem Reisepass Nr. {RP} aus.
Der Tatverdächtige, ein {OER} Staatsangehöriger, führte den Pkw mit dem amtlichen Kennzeichen {K}.
Der Zeuge {N} gab an, einen Mann mit {OEM} Aussehen gesehen zu haben.
Gegen den Beschuldigten {N} wurde Strafanzeige wegen Sachbeschädigung erstattet.
Die Personalien des Beschuldigten wurden festgestellt: {N}, geboren am {D}, Personalausweis-Nr. {PA}.
Die Geschädigte, Frau {N}, ist unter der Rufnummer {P} erreichbar.
Der Fahrzeugführer, Herr {N}, legte den Führerschein Nr. {FS} vor.
Die Fahrzeug-Identifizierungsnummer des sichergestellten Pkw lautet {VIN}.
Bei dem Beschuldigten handelt es sich um den {AGE}-jährigen {OEN} Staatsangehörigen {N}.
Die Steuer-ID {ST} der Geschädigten wurde dem Sachbearbeiter übermittelt.
Die Sozialversicherungsnummer des Beschuldigten lautet {SV}.
Der Mitteiler gab an, der Täter sei {OL} aussehend und etwa {AGE} Jahre alt gewesen.
Es wurde festgestellt, dass die Straßenbahn der Linie {L} (Wagen {W}) um {T} Uhr die Haltestelle {STOP} passierte.
Die Streife {CS} wurde zur {STR} entsandt, wo ein Fahrzeug der Firma {FIRMA} beschädigt worden war.
Die Zeugin {N} konnte den Täter als {ON} beschreiben.
Der Geschädigte überwies den Betrag auf das Konto {I} der Beschuldigten {N}.
@style buerger
hallo, mein name ist {NL} und an der haltestelle {STOP} ist die anzeige kaputt
Sehr geehrte Damen und Herren, in der {STR} parkt seit Tagen der Wagen {K}. Mit freundlichen Grüßen {N}
Guten Tag, ich wohne {A} und nachts ist es unerträglich laut. Bitte rufen Sie mich an: {P}. {N}
die typen an der hst {STOP} pöbeln jeden abend, einer wird {NN} genannt
Beschwerde über Fahrer der Linie {L}, er war sehr unfreundlich. Kontakt: {E}
Ich möchte anonym bleiben. In der {STR} liegt überall Müll vom Imbiss.
Bitte um Rückruf unter {P}, es geht um den Sperrmüll vor der {A}. Gruß {G}
Mein Nachbar {N} lässt seinen Hund frei laufen, der hat schon ein Kind gebissen!!
Lieber Stadtordnungsdienst, vor dem Haus {A} steht ein Auto mit dem Kennzeichen {K} auf dem Gehweg.
Kontakt: {N}, {E}, {P}
Der Automat an der Haltestelle {STOP} ist seit Montag kaputt, bitte reparieren.
ich heiße {NL}, mein fahrrad wurde an der hst {STOP} geklaut
Ein Kennzeichen konnte ich mir merken: {KP}, silberner Golf.
Viele Grüße, {INI}
Frau {S} von gegenüber hat alles gesehen, ihre Nummer ist {P}.
Die Familie {S} aus dem Erdgeschoss grillt auf dem Balkon, {A}.
@style fahrer
Wagen {W} an LS: Fahrgast randaliert, {OL}, ca. {AGE}, Hst. {STOP}.
Wg {W} L{L}: Pkw {K} steht im Gleis Höhe Hst. {STOP}, Fahrer nicht auffindbar.
Fahrer Wagen {W}: Fahrgast {G} will nicht aussteigen, Endstelle {STOP}.
Wagen {W}, Linie {L}: Person auf dem Gleis zwischen Hst. {STOP} und Hst. {STOP}.
Fahrer Kurs {L}/{AGE}: Pkw mit ausländischem Kennzeichen {KF} hat Spiegel abgefahren.
Wg {W}: Fahrgast nennt sich {NN}, betrunken, stört.
Wagen {W} meldet Türstörung an der Hst. {STOP}, Weiterfahrt verzögert sich.
Fahrer Wg {W}: Kollege {S} übernimmt um {T} an der Hst. {STOP}.
@style streetwork
{NN} heute am {STOP} angetroffen, wirkt krank, Arzttermin vereinbart.
Gespräch mit {G} ({AGE}) an der Hst. {STOP}, neue Handynummer {P}.
Klient {N} ({OE} Familie) wohnt jetzt {A}, Anmeldung läuft.
{G} und {NN} schlafen wieder im Eingang der {FIRMA}-Filiale in der {STR}.
Rundgang {STOP} – {STOP}: niemand angetroffen.
@style shorthand
Anr. {N}, RR {P}
Mdt. {S}: Sachbesch. Pkw {K}, {STR}
Pers.: {N}, *{D}, {A}
Tatv. m, ca. {AGE}, {OL}, flüchtig Ri. {STOP}
Zg. {G}, RR {P}, Hst. {STOP}
Gesch.: {N}, PA {PA}
Kfz {K}, FIN {VIN}
{CS} -> {STOP}, {EN}
"""


def convert(marked: str) -> tuple[str, list[dict[str, object]]]:
    """Plain text and gold spans of one marked-up sentence."""
    text: list[str] = []
    spans: list[dict[str, object]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        plain = marked[pos : m.start()]
        text.append(plain)
        length += len(plain)
        spans.append({"start": length, "end": length + len(m.group(2)), "label": m.group(1)})
        text.append(m.group(2))
        length += len(m.group(2))
        pos = m.end()
    text.append(marked[pos:])
    out = "".join(text)
    if "[" in out and any(f"[{label}:" in out for label in LABELS):
        raise ValueError(f"unconverted mark in {marked!r}")
    return out, spans


def _expand(template: str, values: Values) -> str:
    slots = values.slots()

    def fill(m: re.Match[str]) -> str:
        key = m.group(1)
        if key == "E":
            return values.email(values.pick(values.full))
        return slots[key]()

    return re.sub(r"\{([A-Z]+)\}", fill, template)


def assemble(
    source: Path, templates: str, expand: Callable[[str], str], split: str, expansions: int = _EXPANSIONS
) -> list[dict[str, object]]:
    """The records of a set: the hand-written sentences of ``source``, then each line of ``templates`` filled by
    ``expand`` up to ``expansions`` times (repeats dropped); ``@style NAME`` lines set the style of what follows.
    Shared by the builders of the development sets."""
    lines: list[tuple[str, str]] = []
    style = "?"
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("@style"):
            style = line.split()[1]
        elif line.strip() and not line.startswith("#"):
            lines.append((style, line))
    for line in templates.strip().splitlines():
        if line.startswith("@style"):
            style = line.split()[1]
            continue
        seen: set[str] = set()
        for _ in range(expansions):
            filled = expand(line)
            if filled not in seen:
                seen.add(filled)
                lines.append((style, filled))
    records: list[dict[str, object]] = []
    for style, marked in lines:
        text, spans = convert(marked)
        records.append({"text": text, "spans": spans, "split": split, "style": style})
    return records


def write(records: list[dict[str, object]], output: Path) -> None:
    """``records`` as JSON lines to ``output``, and a line saying how many."""
    with output.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(records)} sentences, {sum(len(r['spans']) for r in records)} spans -> {output}")  # type: ignore[arg-type]


def build() -> list[dict[str, object]]:
    """Every sentence of the set: the hand-written ones, then the templates, each expanded several times."""
    values = Values(random.Random(12))
    return assemble(SOURCE, TEMPLATES, lambda template: _expand(template, values), "dev")


def main() -> None:
    write(build(), OUTPUT)


if __name__ == "__main__":
    main()
