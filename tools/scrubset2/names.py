"""Person names written for this set by hand, by origin, as they appear in German records and notes.

All persons are fictitious. Transliterations follow what German authorities and people in Halle write
("Sergej", "Oleksandr", "Mohammed", "Nguyen Thi"), not scholarly systems. Nothing here comes from the
scrubber's name lists, which the author of this set has never seen.
"""

from __future__ import annotations

from typing import NamedTuple


class Origin(NamedTuple):
    given_m: tuple[str, ...]
    given_f: tuple[str, ...]
    surnames: tuple[str, ...]


def _t(s: str) -> tuple[str, ...]:
    return tuple(s.split("|"))


ORIGINS: dict[str, Origin] = {
    "de": Origin(
        _t(
            "Kevin|Dennis|Marcel|Jens|Uwe|Torsten|Ronny|Mike|Steffen|Heiko|Lutz|Detlef|Jörg|Maik|Sven|Lukas"
            "|Paul|Finn|Justin|Rico|Hans-Jürgen|Karl-Heinz|Frank|Enrico|Sandro|Tino|Dieter|Wolfgang|Eckhard"
        ),
        _t(
            "Mandy|Peggy|Nicole|Jacqueline|Sandra|Ines|Kerstin|Anja|Doreen|Yvonne|Sabine|Heike|Lea|Emma"
            "|Chantal|Cindy|Ramona|Gudrun|Marlies|Anke|Annett|Susanne|Katrin|Jana|Ute|Lisa-Marie|Anna-Lena"
        ),
        _t(
            "Müller|Schulze|Krause|Lehmann|Hoffmann|Richter|Böttcher|Hartmann|Zimmermann|Lange|Kühn|Scholz"
            "|Pohl|Thiele|Seidel|Franke|Heinrich|Ziegler|Kaiser|Schröter|Werner|Möbius|Gräfe|Naumann|Barthel"
            "|Kretzschmar|Rudolph|Jahn|Reinhardt|Stoltz|Wendler|Pietsch|Heinze|Schönfeld|Ebert|Kunze|Weidlich"
        ),
    ),
    "tr": Origin(
        _t("Mehmet|Mustafa|Emre|Burak|Yusuf|Serkan|Hakan|Cem|Murat|Onur|Kemal|Eren|Okan"),
        _t("Ayşe|Elif|Zeynep|Fatma|Emine|Büşra|Derya|Songül|Hatice|Merve|Esra|Gülsüm"),
        _t(
            "Yılmaz|Yilmaz|Kaya|Demir|Şahin|Çelik|Öztürk|Aydın|Arslan|Doğan|Kılıç|Koç|Polat|Korkmaz|Erdoğan"
            "|Aksoy|Güneş|Özdemir|Karataş"
        ),
    ),
    "ar": Origin(
        _t("Mohammed|Mohamad|Ahmad|Khaled|Omar|Youssef|Bilal|Tarek|Mahmoud|Hassan|Abdullah|Samir|Karim|Rami"),
        _t("Fatima|Amina|Leila|Rania|Hanan|Noor|Samira|Yasmin|Mariam|Dalia|Rasha|Aisha"),
        _t(
            "Al-Hassan|Al Khatib|Haddad|Hamdan|Abu Khalil|El-Sayed|Mansour|Nasser|Saleh|Darwish|Ibrahim"
            "|Al-Masri|Ben Ali|Khoury|Aziz|Qasim|Al Shami|Bakr"
        ),
    ),
    "pl": Origin(
        _t("Krzysztof|Paweł|Tomasz|Piotr|Łukasz|Marek|Grzegorz|Wojciech|Jarosław|Michał|Dariusz|Sławomir"),
        _t("Agnieszka|Katarzyna|Małgorzata|Joanna|Ewa|Magdalena|Beata|Dorota|Justyna|Żaneta"),
        _t(
            "Kowalski|Nowak|Wiśniewski|Wójcik|Kamińska|Lewandowski|Zieliński|Szymańska|Dąbrowski|Kozłowski"
            "|Jankowski|Mazur|Krawczyk|Grabowski|Pawlak|Michalska|Wróbel|Brzęczyszczykiewicz"
        ),
    ),
    "ro": Origin(
        _t("Ionuț|Florin|Marian|Bogdan|Cătălin|Adrian|Gheorghe|Vasile|Costel|Mihai|Nicolae|Dorel"),
        _t("Ioana|Elena|Mihaela|Florentina|Georgiana|Alina|Denisa|Loredana|Roxana|Ramona"),
        _t(
            "Popescu|Ionescu|Stoica|Dumitru|Constantin|Munteanu|Lungu|Stănescu|Rădulescu|Ciobanu|Zamfir"
            "|Vlad|Nistor|Tănase|Bălan|Mocanu|Dinu|Pătrașcu"
        ),
    ),
    "ru": Origin(
        _t("Sergej|Dmitrij|Oleksandr|Andrij|Wladimir|Jewgenij|Maxim|Artjom|Nikolaj|Ruslan|Bohdan|Igor|Witali"),
        _t("Olena|Swetlana|Tetjana|Natalja|Oksana|Irina|Julija|Anastasija|Ljudmila|Kateryna|Walentina"),
        _t(
            "Iwanow|Kowalenko|Schewtschenko|Petrenko|Bondarenko|Smirnow|Kusnezow|Melnyk|Tkatschenko|Wolkow"
            "|Morosowa|Lysenko|Sokolowa|Pawlenko|Kravtschuk|Romanenko|Fedorow|Hryhorenko"
        ),
    ),
    "vi": Origin(
        _t("Van Minh|Duc Anh|Quang Huy|Thanh Tung|Van Hung|Minh Tuan|Hoang|Duy"),
        _t("Thi Lan|Thi Hoa|Thu Trang|Ngoc Anh|Thi Mai|Thi Huong|Phuong|Thi Hang"),
        _t("Nguyen|Tran|Le|Pham|Hoang|Vu|Dang|Bui|Do|Ngo|Duong|Ly"),
    ),
    "wa": Origin(
        _t("Kwame|Amadou|Ousmane|Chukwuemeka|Ibrahima|Kofi|Mamadou|Oluwaseun|Babacar|Moussa|Emeka|Yaw"),
        _t("Fatoumata|Aminata|Adaeze|Abena|Mariama|Ngozi|Aïssatou|Efua|Oluwakemi|Kadiatou"),
        _t(
            "Mensah|Diallo|Traoré|Okafor|Ndiaye|Sow|Camara|Adeyemi|Boateng|Keïta|Owusu|Bah|Ouédraogo"
            "|Nwosu|Asante|Touré|Sissoko|Oyelaran"
        ),
    ),
    "es": Origin(
        _t("Alejandro|José Luis|Javier|Diego|Carlos|Rafael|João|Tiago|Pedro|Miguel Ángel|Luis"),
        _t("María José|Lucía|Carmen|Ana Sofia|Inês|Beatriz|Rocío|Marta|Catarina|Isabel"),
        _t(
            "Fernández Ruiz|García|Rodríguez López|Martínez|Sánchez|Gómez Herrera|dos Santos|da Silva"
            "|Pereira|de Oliveira|Ferreira|Costa|Jiménez|Moreno Díaz|Alves|de la Cruz"
        ),
    ),
    "it": Origin(
        _t("Giuseppe|Salvatore|Marco|Alessandro|Luca|Davide|Francesco|Antonio|Matteo|Vincenzo"),
        _t("Giulia|Francesca|Chiara|Alessia|Federica|Giovanna|Rosa|Valentina"),
        _t(
            "Rossi|Esposito|Russo|Bianchi|Romano|Colombo|Ricci|Greco|De Luca|Lo Bianco|Caruso|Ferrara"
            "|Di Stefano|Marino|Santoro"
        ),
    ),
    "gr": Origin(
        _t("Georgios|Dimitrios|Konstantinos|Nikos|Christos|Ioannis|Panagiotis|Vasilis"),
        _t("Eleni|Maria|Katerina|Sofia|Georgia|Despina|Vasiliki"),
        _t(
            "Papadopoulos|Georgiou|Nikolaidis|Papadakis|Konstantinidis|Dimitriou|Karagiannis|Vlachos"
            "|Alexiou|Stavropoulos|Oikonomou|Tsakiris"
        ),
    ),
    "al": Origin(
        _t("Arben|Besnik|Driton|Florian|Gentian|Ilir|Kujtim|Valon|Fatmir|Agron|Ermal"),
        _t("Albana|Blerta|Drita|Elira|Fjolla|Valbona|Arta|Mimoza|Shqipe"),
        _t("Hoxha|Krasniqi|Berisha|Gashi|Shala|Morina|Kelmendi|Dervishi|Leka|Bytyqi|Rama|Hasani"),
    ),
    "ku": Origin(
        _t("Azad|Baran|Dilshad|Hêvî|Rêbaz|Serhat|Şêrko|Welat|Zana|Kawa|Rojhat"),
        _t("Berfin|Dilan|Rojda|Helin|Jiyan|Zîn|Nûjîn|Ronahî|Evîn"),
        _t("Ahmadi|Barzani|Bozkurt|Zaxoyî|Amedi|Rashid|Hawrami|Kurdî|Ekinci|Tekin|Ay|Sindi"),
    ),
}

# Origin weights: many German names, then the groups a Halle control room meets most.
ORIGIN_WEIGHTS: dict[str, int] = {
    "de": 30,
    "tr": 7,
    "ar": 9,
    "pl": 7,
    "ro": 7,
    "ru": 8,
    "vi": 5,
    "wa": 6,
    "es": 5,
    "it": 4,
    "gr": 3,
    "al": 4,
    "ku": 4,
}

# Surnames that are also common German words: a NAME only when they name a person.
WORD_SURNAMES: tuple[str, ...] = (
    "Fischer",
    "Koch",
    "Wolf",
    "Vogel",
    "Bauer",
    "Klein",
    "Braun",
    "Schwarz",
    "Sommer",
    "Winter",
    "Fuchs",
    "Hahn",
    "Engel",
    "Weiß",
    "Lang",
    "Kurz",
    "Frank",
    "Glaser",
    "Jäger",
    "Schäfer",
    "Becker",
    "Schmied",
    "Kaiser",
    "König",
    "Graf",
    "Herzog",
    "Stein",
    "Berg",
    "Busch",
    "Roth",
    "Strauß",
    "Specht",
    "Adler",
    "Kranich",
)

# German double and nobility names, and names with particles from elsewhere.
PARTICLE_NAMES: tuple[str, ...] = (
    "von der Heide",
    "von Alvensleben",
    "Graf von Bülow",
    "van der Meulen",
    "de Vries",
    "von Rüxleben",
    "zu Stolberg",
    "van den Berg",
    "de Souza",
    "di Marco",
    "El Amrani",
    "Abu Samra",
    "ter Horst",
    "von Bose",
)
DOUBLE_GIVEN_M: tuple[str, ...] = (
    "Hans-Peter",
    "Karl-Heinz",
    "Jan-Erik",
    "Klaus-Dieter",
    "Mohammed Ali",
    "Jean-Baptiste",
    "Hans-Georg",
)
DOUBLE_GIVEN_F: tuple[str, ...] = (
    "Anna-Lena",
    "Lisa-Marie",
    "Marie-Luise",
    "Ann-Kathrin",
    "Lea-Sophie",
    "Maria José",
    "Eva-Maria",
)
DOUBLE_SURNAMES: tuple[str, ...] = (
    "Schmidt-Körner",
    "Müller-Lüdenscheidt",
    "Hoffmann-Seidel",
    "Krause-Nowak",
    "Yılmaz-Becker",
    "Richter-Popescu",
    "Lange-Diallo",
    "Bauer-Kowalski",
    "Zimmermann-Haddad",
    "Sánchez-Weber",
)

# What regulars and people in a group are called. "der Lange", "Locke" are a person's name when they say who
# someone is in a streetwork or Ordnungsamt note.
NICKNAMES: tuple[str, ...] = (
    "Manni",
    "Atze",
    "Schnitzel",
    "Locke",
    "Kalle",
    "Hotte",
    "Bommel",
    "Zecke",
    "Motte",
    "Igel",
    "Spitzi",
    "Ronny Zwo",
    "Hexe",
    "Mücke",
    "Elvis",
    "Django",
    "Dicker",
    "Kiki",
    "Pumuckl",
    "Bärchen",
    "Brille",
    "Rocky",
    "Tarzan",
    "Hansi",
    "Dschingis",
    "Lolli",
    "Krümel",
    "Paule",
    "Schorsch",
    "Socke",
)
# Nicknames used with an article ("der Lange", "die Glatze" said of one known person): the nickname is the NAME,
# the article stays outside as "Herr" does.
ARTICLE_NICKNAMES: tuple[tuple[str, str], ...] = (
    ("der", "Lange"),
    ("der", "Dicke"),
    ("die", "Glatze"),
    ("der", "Opa"),
    ("der", "Lulatsch"),
    ("die", "Rote"),
)
