"""Hand-written pools for the generated part of the held-out set (no package name list is used).

Lists are written as "|"-separated strings to keep them readable. Given names carry a gender (":m"/":f") so that
role words agree; surnames with a female form are written "Kowalski/Kowalska". Vietnamese names are written family
name first.
"""

from __future__ import annotations


def _items(text: str) -> list[str]:
    """The "|"-separated items of ``text``, blanks around them and line breaks dropped."""
    return [item.strip() for item in text.replace("\n", "").split("|") if item.strip()]


def _gendered(text: str) -> list[tuple[str, str]]:
    """Items written "Name:m" or "Name:f" as (name, gender)."""
    return [(item.rsplit(":", 1)[0], item.rsplit(":", 1)[1]) for item in _items(text)]


GIVEN: dict[str, list[tuple[str, str]]] = {
    "de": _gendered(
        "Torsten:m|Silke:f|Enrico:m|Peggy:f|Marko:m|Anja:f|Ronald:m|Kathrin:f|Steffen:m|Nicole:f|Maik:m|"
        "Doreen:f|Karl-Heinz:m|Anna-Lena:f|Hans-Jürgen:m|Marie-Luise:f|Jan-Niklas:m|Lea-Marie:f|Ole:m|"
        "Frieda:f|Wilfried:m|Roswitha:f|Jens:m|Ute:f|Till:m|Merle:f|Detlef:m|Heike:f|Florian:m|Rosa:f|"
        "August:m|Heide:f|Veit:m|Janine:f|Friedemann:m"
    ),
    "tr": _gendered(
        "Mustafa:m|Emine:f|Burak:m|Zeynep:f|Serkan:m|Fatma:f|Oğuz:m|Büşra:f|Kaan:m|Merve:f|Hakan:m|Gülay:f"
    ),
    "ar": _gendered(
        "Khaled:m|Rania:f|Samir:m|Yasmin:f|Abdulrahman:m|Nour:f|Tarek:m|Amal:f|Hussein:m|Hiba:f|Mahmoud:m|Dalia:f"
    ),
    "pl": _gendered(
        "Tomasz:m|Małgorzata:f|Grzegorz:m|Katarzyna:f|Łukasz:m|Agnieszka:f|Bartosz:m|Joanna:f|Wojciech:m|Dorota:f"
    ),
    "ro": _gendered("Ionuț:m|Andreea:f|Florin:m|Mihaela:f|Cătălin:m|Ioana:f|Vasile:m|Bianca:f|Marius:m|Roxana:f"),
    "ru": _gendered(
        "Dmitrij:m|Anastasia:f|Sergej:m|Jekaterina:f|Wladimir:m|Olga:f|Alexej:m|Swetlana:f|Juri:m|Ljudmila:f"
    ),
    "ua": _gendered("Taras:m|Oksana:f|Bohdan:m|Yuliia:f|Mykola:m|Iryna:f|Andrii:m|Nataliia:f|Serhii:m|Halyna:f"),
    "wa": _gendered(
        "Kwame:m|Ama:f|Kofi:m|Adaeze:f|Chukwuemeka:m|Aminata:f|Moussa:m|Fatoumata:f|Ousmane:m|Abena:f|"
        "Yaw:m|Ngozi:f|Seydou:m|Mariama:f|Babacar:m|Efua:f"
    ),
    "vn": _gendered("Văn Minh:m|Thị Hương:f|Quang Huy:m|Thu Trang:f|Anh Tuấn:m|Minh Châu:f|Duc Long:m|Thi Mai:f"),
    "es": _gendered("Alejandro:m|María José:f|Javier:m|Lucía:f|Diego:m|Carmen:f|Andrés:m|Paula:f"),
    "other": _gendered(
        "Farid:m|Mariam:f|Yonas:m|Semhar:f|Arben:m|Blerta:f|Dimitrios:m|Eleni:f|Ruslan:m|Madina:f|Rajesh:m|Priya:f"
    ),
}

SURNAMES: dict[str, list[str]] = {
    "de": _items(
        "Krumbiegel|Pietzsch|Hänsel|Rothe|Gottwald|Brückner|Zschoche|Heinze|Müller-Lüdtke|Kaschube|"
        "Schmidt-Rottluff|Wendler|Knobloch|Trautmann|Vogel|Fischer|Koch|Bauer|Becker|Schwarz|Winter|"
        "Sommer|Lange|Klein|Engel|Hahn|Fuchs|Busch|Stein|Kaiser|Jäger|Berger|Wolf|Braun|Storch|Hase|Kühne|"
        "Matthäi|Ebert|Reichelt|von Trotha|Sachse|Rudolph|Thiele|Köhler|Gräfe|Otto|Kirchner|Münch|"
        "Pfeiffer"
    ),
    "tr": _items("Yılmaz|Kaya|Şahin|Yıldırım|Doğan|Koç|Aksoy|Kılıç|Arslan|Özdemir|Erdem"),  # noqa: RUF001 - Turkish dotless i is meant
    "ar": _items("Al-Khatib|Haddad|Mansour|Abu-Saleh|Al Masri|Barakat|Hamdan|Nasser|El-Sayed|Darwish|Khalil|Othman"),
    "pl": _items(
        "Kowalski/Kowalska|Wójcik|Kamiński/Kamińska|Lewandowski/Lewandowska|Dąbrowski/Dąbrowska|Kaczmarek|"
        "Mazur|Krawczyk|Zieliński/Zielińska|Szymański/Szymańska|Woźniak"
    ),
    "ro": _items("Popescu|Dumitrescu|Stănescu|Constantin|Ionescu|Munteanu|Radu|Gheorghiu|Lungu"),
    "ru": _items(
        "Sokolow/Sokolowa|Morosow/Morosowa|Kusnezow/Kusnezowa|Wolkow/Wolkowa|Lebedew/Lebedewa|"
        "Smirnow/Smirnowa|Fedorow/Fedorowa|Popow/Popowa"
    ),
    "ua": _items("Shevchuk|Hnatiuk|Kravets|Tkachenko|Boyko|Lysenko|Savchenko|Kovalchuk|Melnyk"),
    "wa": _items(
        "Mensah|Owusu|Asante|Okafor|Eze|Traoré|Diallo|Camara|Sow|Agyeman|Ndiaye|Boakye|Adeyemi|Keita|"
        "Mensah-Boateng|Ofori-Atta|Coulibaly|Bah"
    ),
    "vn": _items("Nguyễn|Trần|Phạm|Lê|Hoàng|Đặng|Vu|Bui|Ngo|Do"),
    "es": _items(
        "García López|Fernández Ruiz|Martín Sánchez|Gómez-Ortega|Rodríguez|Herrera Castillo|Jiménez|Moreno Vidal"
    ),
    "other": _items(
        "Ahmadzai|Sultani|Tesfaye|Ghebremedhin|Hoxha|Krasniqi|Papadopoulos|Russo|Dudaev|Sharma|Haidari|Rahimi"
    ),
}

NICKNAMES = _items(
    "Manni|Kalle|Schumi|Atze|Uschi|Ronny|Mücke|Bibi|Charly|Paule|Jo|Kiki|Hotte|Dicker|Zecke|Mo|Sunny|Bärbel|Lolli|Socke"
)

STOPS = _items(
    "Marktplatz|Hauptbahnhof|Rennbahnkreuz|Zoo|Heide|Kröllwitz|Zentrum Neustadt|Südstadt|Silberhöhe|"
    "Trotha|Ammendorf|Beesen|Büschdorf|Am Leipziger Turm|Rosa-Luxemburg-Platz|Franckeplatz|Reileck|"
    "Soltauer Str.|Fiete-Schulze-Str.|Florian-Geyer-Platz|Bertha-von-Suttner-Platz|Lutherplatz|"
    "Gustav-Staude-Str.|Hallmarkt|Rannischer Platz|Am Steintor|Frohe Zukunft|Göttinger Bogen|Vogelweide|"
    "Saline|Moritzburgring|Kurt-Tucholsky-Str.|Lise-Meitner-Str.|Camillo-Irmscher-Str.|Richard-Riedel-Hof|"
    "Otto-Kanning-Str.|Erich-Kästner-Str.|Emil-Eichhorn-Str.|Louise-Otto-Peters-Str.|Paul-Singer-Str.|"
    "Knolls Hütte|Goldschmidt|Mark-Twain-Str.|Hans-Dietrich-Genscher-Str.|Heinrich-Lammasch-Platz|"
    "Robert-Koch-Str.|Am Heiderand|Wilhelm-Koenen-Ring"
)

LINES = _items("1|2|3|4|5|6|7|8|9|10|16")

BUSES = _items("21|22|26|34|36|43|44|91|94")

STREETS = _items(
    "Forsterstraße|Willy-Brandt-Straße|Richard-Paulick-Straße|Kirchnerstraße|Landsberger Straße|"
    "Berliner Straße|Volkmannstraße|Philipp-Müller-Straße|Merseburger Straße|Dessauer Straße|Reilstraße|"
    "Burgstraße|Seebener Straße|Fischer-von-Erlach-Straße|Karl-Liebknecht-Straße|Rudolf-Haym-Straße|"
    "Damaschkestraße|Freiimfelder Straße|Diesterwegstraße|Wörmlitzer Straße|Elsa-Brändström-Straße|"
    "Hanoier Straße|Begonienstraße|Kaiserslauterer Straße|Gutenbergstraße|Mozartstraße|Herderstraße|"
    "Goethestraße|Schillerstraße|Rathausstraße|Paracelsusstraße|Mansfelder Straße|Glauchaer Straße|"
    "Lange Straße|Torstraße|Bernburger Straße|Lessingstraße|Ludwig-Wucherer-Straße|Advokatenweg|"
    "Krefelder Weg|Weinbergweg|Passendorfer Weg|Südstadtring|Hansering|Hallorenring|Gimritzer Damm|"
    "Am Kirchtor|Am Hohen Ufer|An der Marienkirche|Alter Markt|Steinweg|Pfännerhöhe|Kleine Klausstraße|"
    "Am Bruchsee|Rigaer Straße|Kattowitzer Straße"
)

POSTCODES = _items("06108|06110|06112|06114|06116|06118|06120|06122|06124|06126|06128|06130")

DISTRICTS = _items(
    "HAL|HAL|HAL|HAL|SK|MQ|MER|L|B|M|BLK|WB|DE|BTF|ABI|SLK|HBS|MD|ML|SGH|WSF|K|HH|DD|C|J|EF|BBG|KÖT|SDL|NMB|BK|HZ|LSA|Z"
)

FOREIGN_PLATES = _items(
    "WPI 12345|PO 5K123|KR 1AB23|SZC 4521K|DW 8J551|LU 77034|WGM 3H210|1AB 2345|5SB 1234|2U3 4567|"
    "4A2 3310|GZ-208-K|12-ABC-3|XB-123-Z|7-TSK-42|W-12345X|GU 123 AB|L-7321 BC|AB-123-CD|FR-449-XT|"
    "B 123 ABC|CJ 12 XYZ|TM 07 DRA|IS 44 BOR|CA 1234 AB|PB 4567 KT|AA 1234 BC|KA 7788 EH|BC 0412 HI|"
    "ABC 123|KLM 902|AB 123 CD|ZH 123456|BE 45102|AB 12 345|34 ABC 123|06 TR 4411|SN 448 MK"
)

LOOKS = _items(
    "südländisch|nordafrikanisch|osteuropäisch|arabisch|asiatisch|afrikanisch|südosteuropäisch|"
    "orientalisch|mitteleuropäisch|westeuropäisch"
)

MAIL_DOMAINS = _items(
    "web.de|gmx.de|gmx.net|t-online.de|posteo.de|mailbox.org|freenet.de|gmail.com|outlook.de|yahoo.de|"
    "icloud.com|student.uni-halle.de|online.de|arcor.de|hotmail.com|proton.me"
)

MAIL_WORDS = _items("sonnenschein|hallenser|saalefan|katzenmama|tramfan|oma.gisela|papa.bär|hfc.ultra")

COMPANIES = _items(
    "HAVAG|Netto|Kaufland|Rewe|Stadtwerke Halle|Deutsche Bahn|Saalesparkasse|Edeka|Hallesche Wasser|MDR|"
    "Aldi|Lidl|Penny|dm|Rossmann|Deutsche Post"
)

CALLSIGNS = _items("Leo 12/3|Leo 14/1|Leo 22/1|Pirol 11|Pirol 21|Pirol 40|Halle 14/21|OA 3|OA Süd 2")

ORIGINS: list[tuple[str, str, str]] = [
    (stem, male, female)
    for stem, male, female in (
        item.split(",")
        for item in _items(
            "syrisch,Syrer,Syrerin|afghanisch,Afghane,Afghanin|polnisch,Pole,Polin|rumänisch,Rumäne,Rumänin|"
            "bulgarisch,Bulgare,Bulgarin|türkisch,Türke,Türkin|irakisch,Iraker,Irakerin|"
            "eritreisch,Eritreer,Eritreerin|somalisch,Somalier,Somalierin|"
            "marokkanisch,Marokkaner,Marokkanerin|algerisch,Algerier,Algerierin|tunesisch,Tunesier,Tunesierin|"
            "libysch,Libyer,Libyerin|russisch,Russe,Russin|ukrainisch,Ukrainer,Ukrainerin|"
            "vietnamesisch,Vietnamese,Vietnamesin|albanisch,Albaner,Albanerin|kosovarisch,Kosovare,Kosovarin|"
            "serbisch,Serbe,Serbin|georgisch,Georgier,Georgierin|tschetschenisch,Tschetschene,Tschetschenin|"
            "kurdisch,Kurde,Kurdin|indisch,Inder,Inderin|pakistanisch,Pakistaner,Pakistanerin|"
            "nigerianisch,Nigerianer,Nigerianerin|ghanaisch,Ghanaer,Ghanaerin|guineisch,Guineer,Guineerin|"
            "ägyptisch,Ägypter,Ägypterin|libanesisch,Libanese,Libanesin|italienisch,Italiener,Italienerin|"
            "spanisch,Spanier,Spanierin|tschechisch,Tscheche,Tschechin|iranisch,Iraner,Iranerin|"
            "moldauisch,Moldauer,Moldauerin|litauisch,Litauer,Litauerin|ungarisch,Ungar,Ungarin|"
            "griechisch,Grieche,Griechin|kamerunisch,Kameruner,Kamerunerin"
        )
    )
]
