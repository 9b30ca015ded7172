"""Context words for finding names in German free text: titles, role nouns, cue phrases, and the nouns that are
never a name although German capitalises them. Own compilation for this project.
"""

from __future__ import annotations

from functools import cache

#: Forms of address; a capitalised word right after one is a name (unless the title is used as a plain noun).
TITLES: frozenset[str] = frozenset({"Herr", "Herrn", "Frau", "Hr.", "Fr.", "Hrn.", "Fam.", "Familie", "Dr.", "Prof."})

#: Academic titles that may follow a form of address before the name ("Herr Dr. Müller").
EXTRA_TITLES: frozenset[str] = frozenset({"Dr.", "Prof.", "med.", "Dipl.-Ing.", "Ing.", "rer.", "nat."})

#: Lower-case words before "Frau"/"Herr" that make it a salutation, not the plain noun ("Sehr geehrte Frau X").
SALUTATIONS: frozenset[str] = frozenset({"geehrte", "geehrter", "geehrten", "liebe", "lieber", "werte", "werter"})

#: Words before "Frau"/"Herr" that make it the plain noun ("eine Frau", "der ältere Herr"): articles, determiners.
DETERMINERS: frozenset[str] = frozenset(
    {
        "ein", "eine", "einer", "einem", "einen", "eines", "der", "die", "das", "den", "dem", "des", "diese", "dieser",
        "diesem", "diesen", "jene", "jener", "keine", "keiner", "jede", "jeder", "jedem", "welche", "welcher", "seine",
        "seiner", "ihre", "ihrer", "meine", "meiner", "unsere", "unserer",
    }
)  # fmt: skip

_ROLES = """
Anrufer Anruferin Zeuge Zeugin Täter Täterin Tatverdächtige Tatverdächtiger Tatverdächtigen Geschädigte
Geschädigter Geschädigten Beschuldigte Beschuldigter Betroffene Betroffener Fahrgast Fahrer Fahrerin Mitteiler
Mitteilerin Melder Melderin Hinweisgeber Hinweisgeberin Kunde Kundin Mieter Mieterin Vermieter Vermieterin Halter
Halterin Fahrzeughalter Fahrzeughalterin Kontoinhaber Kontoinhaberin Inhaber Inhaberin Kollege Kollegin Sohn
Tochter Mutter Vater Bruder Schwester Ehemann Ehefrau Lebensgefährte Lebensgefährtin Freund Freundin Hausmeister
Hausmeisterin Anwohner Anwohnerin Nachbar Nachbarin Sachbearbeiter Sachbearbeiterin Verursacher Verursacherin
Schaffner Schaffnerin Kassierer Kassiererin Opfer Person Familienvater Familienmutter Beifahrer Beifahrerin
Kontrolleur Kontrolleurin Streetworker Streetworkerin Rentner Rentnerin Schüler Schülerin Student Studentin
Bewohner Bewohnerin Oma Opa Enkel Enkelin Onkel Tante Ansprechpartner Ansprechpartnerin Leiter Leiterin Vermisste
Vermisster Antragsteller Antragstellerin Beamter Beamtin Polizist Polizistin Kind Jugendlicher Jugendliche
Zeugen Kollegen Kontrolleure Nachbarn Geschwister Eltern Brüder Schwestern Fahrgäste Kunden Mieter
POK PHK PK POM PM PKin POKin KOK KHK KK PHM PMin PHMin KOKin EPHK KOR
Klient Klientin Fahrgästin Kundin Kunde Mitbewohner Mitbewohnerin Bekannter Bekannte Kumpel Partner Partnerin
Ehepartner Stammgast Besucher Besucherin Passant Passantin Radfahrer Radfahrerin Fußgänger Fußgängerin Lehrer
Lehrerin Betreuer Betreuerin Vormund Zeugen Anzeigenerstatter Anzeigenerstatterin Fahrzeugführer Fahrzeugführerin
Kontrollierte Kontrollierter Verdächtige Verdächtiger Festgenommene Festgenommener Sohn Enkelsohn
Beschuldigten Zeugin Anrufers Halters Fahrzeugführers Staatsangehörigen Staatsangehöriger Staatsangehörige
Kontrollierten Verdächtigen Festgenommenen Vermissten Betroffenen Anzeigenerstatters Mitteilers Melders
Vollzugsbeamter Vollzugsbeamtin Vollzugsbediensteter Vollzugsbedienstete Gewerbetreibender Gewerbetreibende
Betreiber Betreiberin Geschäftsführer Geschäftsführerin Verkäufer Verkäuferin Angestellter Angestellte Kontaktperson
Mitarbeiter Mitarbeiterin Beteiligter Beteiligte Unfallbeteiligter Unfallbeteiligte Ersthelfer Ersthelferin
PK'in POK'in PHK'in KHK'in KOK'in KK'in POM'in PM'in PHM'in EPHK'in
Händler Händlerin Hundehalter Hundehalterin Bürger Bürgerin Beschwerdeführer Beschwerdeführerin Eigentümer
Eigentümerin Taxifahrer Taxifahrerin Busfahrer Busfahrerin Sozialarbeiter Sozialarbeiterin Pfleger Pflegerin
Besitzer Besitzerin
Ehepaar Schwager Schwägerin Neffe Nichte Cousin Cousine Stiefvater Stiefmutter Stiefsohn Stieftochter Unfallgegner
Unfallgegnerin Hausverwalter Hausverwalterin Chef Chefin Azubi Praktikant Praktikantin
"""

#: Abbreviated role words of control-room shorthand, without their period ("Anr. Kowalski", "Zg.: Bartek").
ROLE_ABBREVIATIONS: frozenset[str] = frozenset(
    {"Anr", "Mdt", "Mitt", "Zg", "Zgin", "Gesch", "Besch", "Pers", "Tatv", "Tv", "Beschuldigt", "Verd", "Betr", "Kl"}
    | {"Inh", "Anw", "Bew", "Geschäd", "Beteil", "Hinw"}
)

#: Cue words that end right before a name regardless of the name lists ("namens Ali", "Mein Name ist X").
STRONG_CUES: tuple[str, ...] = (
    "namens",
    "gen.",
    "alias",
    "heißt",
    "heiße",
    "Name ist",
    "Name lautet",
    "Name:",
    "Vorname:",
    "Vorname",
    "Nachname:",
    "Nachname",
    "Familienname:",
    "Familienname",
    "Geburtsname:",
    "Namen",
    "Personalien:",
    "Pers.-Feststellung:",
    "Personenfeststellung:",
    "Personalienfeststellung:",
    "Identität:",
    "Personalien",
    "gez.",
    "i.A.",
    "i. A.",
    "i.V.",
    "Klingel bei",
    "klingel bei",
    "klingeln bei",
    "Klingelschild:",
    "Grüßen",
    "Grüße",
    "Gruß",
    "alias",
    "genannt",
    "sich als",
    "nennt sich",
    "nannte sich",
    "Spitzname",
    "Spitznamen",
    "Rufname",
    "Verfahren gegen",
    "Bußgeldverfahren gegen",
    "Ermittlungsverfahren gegen",
    "Strafverfahren gegen",
    "Anzeige gegen",
    "Strafanzeige gegen",
)

#: Cues of citizens' writing, matched in any case: a name after them counts when a name list knows it, so that
#: lower-case writing ("mein name ist kasia lis", "lg steffi") is caught without taking every word after them.
WEAK_CUES: tuple[str, ...] = (
    "mein name ist",
    "mein name",
    "ich heiße",
    "ich heisse",
    "ich bin",
    "hier ist",
    "hier schreibt",
    "hallo, hier",
    "hallo hier",
    "moin, hier",
    "moin hier",
    "guten tag, hier",
    # the longer forms first win the match, so that "hier ist" is not cut in two
    "hallo, hier ist",
    "hallo hier ist",
    "moin, hier ist",
    "moin hier ist",
    "guten tag, hier ist",
    "name",
    "gruß",
    "grüße",
    "gruss",
    "lg",
    "vg",
    "mfg",
    "liebe grüße",
    "viele grüße",
    "beste grüße",
    "kontakt",
    "gez.",
    "danke",
    "dankeschön",
    "vielen dank",
    # messages among staff and friends: a name a list knows after these
    "gruß von",
    "grüße von",
    "gruß an",
    "grüße an",
    "danke an",
    "ruf mal",
    "schreib mal",
    "frag mal",
    "kennt jmd",
    "kennt jemand",
    "wer ist",
    "bin mit",
    "war mit",
    "nummer von",
    "hey",
    "hi",
    "yo",
    "moin",
    "servus",
    "hallo",
)

_NEVER = """
Taxi Taxis Held Heldin Helden Kumpels Leute Kids Digga Schatz Schatzi Mama Papa
Aber Alle Als Also Am An Auch Auf Aus Bei Beim Bis Bitte Da Dann Das Dass Dem Den Der Des Die Dies Diese Dieser
Doch Du Ein Eine Einer Er Es Etwa Für Gegen Gestern Heute Hier Ich Ihm Ihn Ihr Ihre Im In Ist Ja Jetzt Kein
Keine Laut Man Mein Meine Mit Morgen Nach Nein Nicht Noch Nur Ob Oder Ohne Schon Sehr Sein Seine Seit Sie So Um
Und Uns Unser Unsere Unter Vom Von Vor Während Was Wegen Weil Wenn Wer Wie Wir Wo Zu Zum Zur Zwischen Über
Sehr Danke Hallo Guten Tag Abend Nacht Morgen Mittag Uhr Minuten Stunden Tage Wochen Monate Jahre Mitte Anfang
Ende Ca Anzeige Nr Tel Telefon Handy Mail Email E-Mail Fax Mobil Rückruf Nummer Adresse Anschrift Name Namen
Polizei Polizeirevier Revier Wache Streife Streifenwagen Funkwagen Einsatz Einsatzkräfte Leitstelle Notruf
Ordnungsamt Stadtordnungsdienst Stadt Streetwork Feuerwehr Rettungsdienst Rettungswagen Notarzt HAVAG
Bahn Straßenbahn Tram Bus Linie Wagen Zug Haltestelle Haltestellen Bahnsteig Gleis Gleise Wartehalle Fahrplan
Fahrgast Fahrgäste Fahrer Fahrerin Fahrschein Fahrkarte Kontrolle Kontrolleur Tür Türen Scheibe Fenster
Person Personen Mann Männer Frau Frauen Herr Herrn Herren Kind Kinder Jugendliche Jugendlicher Gruppe Täter Zeuge
Zeugin Opfer
Hund Hunde Fahrrad Auto Pkw PKW Lkw LKW Transporter Kennzeichen Fahrzeug Unfall Schaden Diebstahl Raub
Körperverletzung Sachbeschädigung Ruhestörung Lärm Musik Party Graffiti Müll Sperrmüll Scherben Flaschen Alkohol
Drogen Messer Waffe Geld Geldbörse Tasche Rucksack Koffer Jacke Mütze Hose Schuhe Haare Brille Ausweis Status
Beleuchtung Laterne Lampe Licht Ampel Straße Weg Platz Ecke Kreuzung Brücke Unterführung Park Spielplatz Schule
Kita Markt Bahnhof Hauptbahnhof Zentrum Richtung Höhe Nähe Seite Eingang Ausgang Hof Hinterhof Haus Wohnung
Treppenhaus Keller Dach Balkon Laden Kiosk Imbiss Gaststätte Kneipe Bäckerei Supermarkt Baumarkt Apotheke
Krankenhaus Klinikum Arzt Rathaus Amt Behörde Bürger Bürgerin Bürgerinitiative Anwohner Nachbarn Verein
Hinweis Meldung Beschwerde Bericht Vorfall Sachverhalt Lage Info Information Frage Antwort Dank Gruß Grüße
Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag Januar Februar März April Juni Juli
September Oktober November Dezember Wochenende Feiertag Herbst Winter Sommer Frühling
Euro EUR Cent Verwarngeld Bußgeld Geldbuße IBAN BIC Konto Kontoverbindung Bank Sparkasse Überweisung
Rollstuhl Rollator Kinderwagen Sicherheit Security Deutsch Deutsche Deutschland
Mit Freundlichen Liebe Lieber Sehr Geehrte Geehrter Ihr Ihre Vielen
Hst Ri Wg Kz Kfz Nr Az Tatv Gesch Besch Zg Mdt Anr Mitt Pers Sachbesch Verl Hinw Str Pkw Lkw Endstelle Kurs
Dame Damen Senior Seniorin Senioren Mädchen Junge Jungen Baby Säugling Kleinkind Teenager Heranwachsender
Heranwachsende Unbekannt Obdachloser Obdachlose Betrunkener Betrunkene Randalierer Jugendlichen Unbekannter Unbekannte
Pärchen Paar Ehepaar Familie Gast Gäste Besucher Touristen Tourist Touristin Mitarbeiter Mitarbeiterin Personal
Gebäude Grundstück Bekannten Bekannter Freunden Eltern Verwandten Wohnhaus Mehrfamilienhaus
Staatsangehöriger Staatsangehörige Staatsangehörigen Personalien Herkunft Aussehen Akzent Einsatzort Lage Beschreibung
Ruhe Gott Brunnen Studio Nagelstudio Firma Fa Autohaus Blumen Getränke Rewe Penny Kaufland Aldi Lidl Netto Edeka
Kaufhof Phänotyp Schwemme Treffpunkt
Diakonie Caritas Tafel Jobcenter Sozialamt Jugendamt Stadtmission Arbeitsagentur Ausländerbehörde Bürgeramt
Gesundheitsamt Wohnungsamt Notunterkunft Suppenküche Bahnhofsmission
"""

_COMPANY_WORDS = """
    Blumen Autohaus Getränke Bäckerei Fleischerei Friseur Optik Firma Fa Gaststätte Imbiss Café Cafe Restaurant
    Apotheke Praxis Kanzlei Reisebüro Fahrschule Pflegedienst Sanitätshaus Elektro Malerbetrieb Hausverwaltung
    Hotel Pension Gasthof Gasthaus Hostel Kiosk Späti Salon Studio Bistro Pizzeria Lounge Diskothek Disko Bar Club
    Grill
"""
#: Words that make the capitalised word after them a company's or shop's name ("Blumen Hoffmann", "Fa. Koch").
COMPANY_WORDS: frozenset[str] = frozenset(_COMPANY_WORDS.split())

_FUNCTION = """
Aber Alle Als Also Am An Auch Auf Aus Bei Beim Bis Bitte Da Dann Das Dass Dem Den Der Des Die Dies Diese Dieser
Doch Du Ein Eine Einer Er Es Etwa Für Gegen Hier Ich Ihm Ihn Ihr Ihre Im In Ist Ja Jetzt Kein Keine Laut Man Mein
Meine Mit Nach Nein Nicht Noch Nur Ob Oder Ohne Schon Sehr Sein Seine Seit Sie So Um Und Uns Unser Unsere Unter Vom
Von Vor Während Was Wegen Weil Wenn Wer Wie Wir Wo Zu Zum Zur Zwischen Über
"""

# Places: they also end up in surnames ("von Trotha"), so a particle before them makes them a name again.
_PLACES = """
Halle Saale Leipzig Merseburg Leuna Berlin Magdeburg Dessau Neustadt Silberhöhe Südstadt Heide Trotha Kröllwitz
Giebichenstein Paulusviertel Ammendorf Beesen Dölau Lettin Reideburg Büschdorf Diemitz Freiimfelde Glaucha
Gesundbrunnen Nietleben Passendorf Wörmlitz Radewell Böllberg Kanena Bruckdorf Seeben Tornau Mötzlich Dautzsch Zoo
Reileck Steintor Riebeckplatz Rennbahnkreuz Franckeplatz Marktplatz Hallmarkt Saline Peißnitz Pfännerhöhe
Heide-Nord Heide-Süd Halle-Neustadt
"""


@cache
def roles() -> frozenset[str]:
    """Role nouns after which a listed name (or a capitalised word before a listed name) is a person's name."""
    return frozenset(_ROLES.split())


@cache
def common_words() -> frozenset[str]:
    """Capitalised function words, domain nouns, weekdays and months: never a name, not even after "von"."""
    return frozenset(_NEVER.split())


@cache
def never_names() -> frozenset[str]:
    """Capitalised words that are never a person's name on their own: the common words and places."""
    return common_words() | frozenset(_PLACES.split())


@cache
def common_function_words() -> frozenset[str]:
    """The capitalised function words among the common words (articles, prepositions, pronouns, particles)."""
    return frozenset(_FUNCTION.split())
