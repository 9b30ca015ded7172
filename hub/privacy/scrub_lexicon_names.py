"""Given names and surnames the free-text scrubber recognises without a context cue.

Own compilation for this project (no list was copied): frequent names in Germany across generations, and frequent
names of the larger communities in Halle (Arabic, Turkish, Kurdish, Polish, Russian, Ukrainian, Vietnamese).
"""

# ruff: noqa: RUF001  -- the Turkish dotless i (U+0131) is a letter of these names, not a look-alike typo.

from __future__ import annotations

from functools import cache
from importlib import resources

_GIVEN_GERMAN = """
Adam Adrian Albert Alexander Alexandra Alfred Alina Amelie Andrea Andreas Andrej Angela Angelika Anja Anke Anna
Anna-Lena Annalena Anne Annett Annette Anton Antje Arne Arthur Axel Barbara Bärbel Beate Ben Benedikt Benjamin
Bernd Bernhard Bettina Bianca Birgit Björn Brigitte Bruno Carina Carl Carla Carola Carolin Caroline Carsten
Charlotte Chiara Christa Christian Christiane Christina Christine Christoph Christopher Claudia Clara Conny
Cornelia Dagmar Daniel Daniela David Denis Dennis Detlef Diana Dieter Dietmar Dirk Doreen Doris Dorothea Edith
Elena Elias Elisabeth Elke Ella Emil Emilia Emily Emma Erich Erik Erwin Eva Fabian Felix Finn Florian Franziska
Frieda Friedrich Fritz Gabriele Georg Gerda Gerhard Gerd Gisela Greta Gudrun Günter Günther Hanna Hannah
Hannelore Hans Hans-Jürgen Harald Heike Heiko Heinz Heinrich Helga Helmut Henning Henry Herbert Hermann Hildegard
Holger Horst Hubert Ilse Ines Inge Ingeborg Ingo Ingrid Irene Isabel Isabell Jacqueline Jakob Jan Jana Janine
Janina Janet Jannik Jannis Jasmin Jens Jennifer Jessica Joachim Jochen Johann Johanna Johannes Jonas Jonathan
Josef Josephine Julia Julian Juliane Julius Jörg Jürgen Kai Karin Karl Karl-Heinz Karsten Katharina Kathrin
Katja Katrin Kerstin Kevin Klaus Konrad Kristin Kurt Lara Larissa Laura Lea Lena Leni Leo Leon Leonie Lilly
Linda Lisa Lothar Louis Luca Luis Luisa Lukas Lutz Maik Mandy Manfred Manuel Manuela Marc Marcel Marco Marcus
Margarete Margit Maria Marianne Marie Marina Mario Marion Mark Marko Markus Marlene Martha Martin Martina
Mathias Matthias Max Maximilian Melanie Mia Michael Michaela Michelle Mike Mila Milan Moritz Nadine Nadja Nele
Nicole Niklas Nils Nina Noah Norbert Olaf Ole Oliver Oskar Otto Pascal Patrick Paul Paula Peggy Peter Petra
Philipp Pia Rainer Ralf Ralph Ramona Regina Reinhard Renate Rene René Rico Robert Robin Roland Rolf Ronny Rosemarie
Rudolf Rüdiger Sabine Sabrina Sandra Sandro Sara Sarah Sascha Sebastian Silke Silvia Simon Simone Sofia Sophia
Sophie Stefan Stefanie Steffen Steffi Stephan Susanne Sven Svenja Swen Sylvia Tanja Thomas Theo Tim Timo Tina
Tobias Tom Torsten Udo Ulf Ulrich Ulrike Ursula Ute Uwe Valentin Vanessa Vera Volker Waltraud Walter Werner Wilhelm
Willi Wolfgang Yvonne Monika Heidi Gertrud Erna Elfriede Irmgard Lars Dominik Tino Enrico Danny Nico Niko Sandy
Cindy Nancy Jenny Madlen Anett Kathleen Ricarda Steve Justin Chantal Toni Tony Ilona Hannes Jörn Knut Thorsten Falk
Gunnar Hagen Henrik Ingolf Malte Mirko Ronald Siegfried Thilo Till Veit Wilfried Winfried Kay Heidrun Gunter Eberhard
Manuel Jannes Lennard Lennart Luka Mats Matteo Mika Paulina Emilie Johanna Lotta Marlon Henri Hendrik Friedrich
"""

_GIVEN_ARABIC_TURKISH_KURDISH = """
Abdul Abdullah Abdulrahman Adnan Ahmad Ahmed Aisha Ali Amal Amina Amir Amira Anas Ayman Aya Bashar Bilal Fadi
Farah Fatima Fatma Hamza Hassan Hussein Ibrahim Issa Jamal Karim Khaled Khalid Layla Leila Mahmoud Malak Mariam
Maryam Mohamad Mohamed Mohammad Mohammed Muhammad Mustafa Nour Omar Osama Rami Rana Rania Samer Sami Samir Tarek
Walid Yasmin Yousef Youssef Yusuf Zainab Zeynep Ahmet Ayşe Aylin Baran Burak Can Cem Deniz Derya Ebru Elif Emine
Emre Esra Fatih Gül Gülsüm Hakan Hatice Hülya Kemal Leyla Mehmet Melek Merve Murat Necla Orhan Osman Özlem Recep
Selin Serkan Sibel Songül Tuncay Yasin Yusuf Zehra Zozan Rojda Dilan Berivan Azad Rezan Hozan
"""

_GIVEN_SLAVIC = """
Agnieszka Aleksandra Aleksander Anastasia Anastasiya Andrii Andriy Anton Artem Bartosz Bogdan Daria Darya Dmitri
Dmitrij Dmitry Dominika Ekaterina Elena Galina Grzegorz Halyna Igor Ilya Irina Iryna Ivan Iwan Jakub Jelena
Jewgeni Joanna Julija Kamil Kasia Katarzyna Kateryna Krzysztof Ljudmila Lukasz Łukasz Magdalena Małgorzata Marek
Maria Marta Michał Mikhail Nadezhda Natalia Natalija Natalya Nikolai Nikolaj Oksana Oleg Olena Oleksandr Oleksii
Olga Pavel Pawel Paweł Petro Piotr Roman Sergej Sergey Sergii Serhii Svetlana Swetlana Taras Tatiana Tatjana
Tetiana Tomasz Valentina Vasyl Viktor Viktoria Vitali Vladimir Vladyslav Volodymyr Waldemar Wladimir Wojciech
Yulia Yuliia Yurii Zofia Zuzanna
"""

_GIVEN_VIETNAMESE_OTHER = """
Anh Bao Binh Dung Duc Đức Hai Hanh Hoa Hoang Hoàng Hung Hùng Huong Hương Huy Lan Linh Long Mai Minh Nam Ngoc Ngọc
Phuong Phương Quang Son Thanh Thảo Thao Thu Thuy Thủy Trang Trung Tuan Tuấn Tung Van Văn Thị Thi Vy Xuan Xuân
Alin Andrei Bogdana Florin Ionut Mihai Elvira Dragan Goran Jovana Miroslav Nikola Ahmadi Farid Hamid Javad Reza
Sadia Aziz Jamshid
"""

_SURNAMES_GERMAN = """
Albrecht Arnold Bach Bachmann Bader Baier Bartsch Bauer Baum Baumann Baumgart Baumgartner Beck Becker Behrendt
Berger Bergmann Beyer Bischoff Blank Bock Böhm Böttcher Brandt Brand Braun Brückner Brunner Busch Dietrich Dittrich
Döring Ebert Eckert Engel Engelhardt Ernst Fiedler Fischer Frank Franke Friedrich Fritz Fröhlich Fuchs Gebhardt
Geiger Gerlach Götz Graf Groß Große Günther Haas Hahn Hartmann Hauser Heinrich Heinze Hempel Herrmann Hesse Hoffmann
Hofmann Horn Huber Jäger Jahn Jansen John Jung Kaiser Keller Kern Kirchner Klein Kluge Koch Köhler König Körner
Kraft Kramer Krämer Kraus Krause Krebs Kretschmer Krüger Kuhn Kühn Kunz Kunze Kurz Lang Lange Lehmann Lindner
Lorenz Ludwig Lutz Maier Marx Mayer Meier Meißner Meyer Michel Möller Müller Naumann Neubert Neumann Nowak
Oswald Otto Peters Petersen Pfeiffer Pohl Popp Raab Reichel Reimann Richter Riedel Ritter Roth Rudolph Sauer
Schäfer Scharf Schiller Schmid Schmidt Schmitt Schmitz Schneider Scholz Schönfeld Schreiber Schröder Schubert
Schulte Schultz Schulz Schulze Schumacher Schumann Schuster Schwarz Seidel Seifert Sommer Stein Steiner Stephan
Thiele Thomas Ullrich Vogel Vogt Voigt Walter Weber Weiß Wendt Werner Wagner Winkler Winter Wolf Wolff Ziegler
Zimmermann Zobel Anders Beier Bernhardt Brauer Dietz Eichhorn Fink Franz Friedrichs Geißler Gottschalk
Hanke Haupt Heinemann Herzog Hille Hübner Jakob Jacob Kiesewetter Kirsch Kluge Knorr Kolbe Kühne Lehmann Leonhardt
Linke Martin Mende Mertens Nagel Nitsche Opitz Paul Petzold Rau Reinhardt Rösler Schade Scheffler Schenk Schilling
Schlegel Schott Schreiter Seidler Sieber Simon Sperling Stahl Strauß Teichmann Thieme Ulbrich Unger Walther
Weise Wenzel Wiegand Wilke Wolter Zander Ziegenbein Quaas Hentschel Gruner Pietsch Rothe Ehrhardt Eckardt Taubert
"""

_SURNAMES_OTHER = """
Abdullah Abdi Ahmadi Al-Ahmad Al-Ali Al-Hassan Al-Khalil Al-Masri Al-Sayed Alsayed Haddad Hamdan Hassan Hussein
Ibrahim Ismail Jaber Kassem Khalil Khoury Mahmoud Mansour Masri Mustafa Nasser Omar Osman Rahman Saleh Salem Sayed
Shaikh Suleiman Yassin Youssef Zaher Akbari Hosseini Karimi Rezaei Sultani
Acar Akgül Aksoy Aktaş Arslan Aslan Avcı Aydın Aydin Bozkurt Çakır Çelik Celik Demir Doğan Dogan Erdoğan Güler
Güneş Kaplan Kara Kaya Keskin Koç Korkmaz Kurt Özdemir Özkan Öztürk Ozturk Polat Şahin Sahin Tekin Turan Yavuz
Yıldırım Yıldız Yildiz Yılmaz Yilmaz Yücel
Adamczyk Dąbrowski Dudek Grabowski Jankowski Kamiński Kaminski Kowalczyk Kowalski Kozłowski Krawczyk Lewandowski
Majewski Mazur Nowak Nowakowski Pawlak Piotrowski Szymański Wieczorek Wiśniewski Wisniewski Wojciechowski
Wójcik Wozniak Woźniak Zając Zielinski Zieliński
Antonenko Bondarenko Boyko Ivanenko Ivanov Ivanova Iwanow Iwanowa Kovalenko Kovalchuk Kowalenko Kravchenko
Kuznetsov Kuznetsova Lysenko Melnyk Melnik Morozov Morozova Novikov Oliynyk Pavlenko Petrenko Petrov Petrova Petrow
Petrowa Popov Popova Romanenko Savchenko Shevchenko Schewtschenko Smirnov Smirnova Sokolov Sokolova Sokolow
Tkachenko Volkov Volkova Wolkow Zaitsev Koval Rudenko Marchenko Klymenko Ponomarenko Fedorov Fedorova Orlov
Nguyen Nguyễn Tran Trần Le Lê Pham Phạm Hoang Huynh Huỳnh Phan Vu Vũ Vo Võ Dang Đặng Bui Bùi Do Đỗ Ngo Ngô Duong
Dương Ly Lý Truong Trương
Popescu Ionescu Dimitrov Georgiev Petrović Jovanović Hodžić
"""

#: Vietnamese family names and the syllables of Vietnamese given and middle names: a run of them is one name
#: ("Nguyen Thi Huong", "Vu Duc Minh"), written with or without diacritics.
_VIETNAMESE_FAMILY = """
Nguyen Nguyễn Tran Trần Le Lê Pham Phạm Hoang Hoàng Huynh Huỳnh Phan Vu Vũ Vo Võ Dang Đặng Bui Bùi Do Đỗ Ngo Ngô
Duong Dương Ly Lý Truong Trương Dinh Đinh Trinh Trịnh Doan Đoàn Luong Lương Mai Cao Lam Lâm Ha Hà Ta Tạ Quach
"""
_VIETNAMESE_SYLLABLES = """
Thi Thị Van Văn Duc Đức Quoc Quốc Minh Thu Trang Huong Hương Lan Anh Long Hung Hùng Huy Tuan Tuấn Thanh Ngoc Ngọc
Hoa Linh Dung Hai Hải Nam Phuong Phương Hieu Hiếu Khanh Khánh Trung Quang Bao Bảo Thao Thảo Kim Ngan Ngân Tam Tâm
Son Sơn Cuong Cường Dat Đạt Hanh Hạnh Hien Hiền Hong Hồng Loan Nga Nhung Quynh Quỳnh Tien Tiến Vinh Xuan Xuân
Yen Yến Thuy Thủy Diep Diệp Phuc Phúc Thang Thắng Tung Tùng Vy Nhi Chau Châu Giang Hang Hằng Hoai Hoài Khoa Loc
Lộc Luan Luân Nhat Nhật Phong Tai Tài Thinh Thịnh Tri Trí Trong Trọng Tu Tú Uyen Uyên Viet Việt Binh Bình Chi
Cong Công Dao Đào Ha Hà Mai My Mỹ Tho Thơ Trieu Ngu
"""
VIETNAMESE_FAMILY: frozenset[str] = frozenset(_VIETNAMESE_FAMILY.split())
VIETNAMESE_SYLLABLES: frozenset[str] = frozenset(_VIETNAMESE_SYLLABLES.split()) | VIETNAMESE_FAMILY

#: Lower-case particles that may sit inside a name ("Friedrich von Trotha", "Mohammed al Hassan").
PARTICLES: frozenset[str] = frozenset(
    {
        "von",
        "van",
        "de",
        "der",
        "den",
        "zu",
        "vom",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "abu",
        "da",
        "di",
        "du",
        "dos",
        "del",
        "la",
        "las",
        "los",
        "della",
        "ter",
        "Abu",
        "Abd",
        "Ben",
        "Bin",
        "El",
        "Al",
        "ould",
        "Ould",
    }
)

#: Given names that are also everyday German words (months, plants, colours, brands, adjectives): they count as a
#: name only after a context cue or next to a listed surname, never on their own.
AMBIGUOUS_GIVEN: frozenset[str] = frozenset(
    {
        "August", "Mai", "Ernst", "Frank", "Rose", "Rosa", "Heide", "Iris", "Linde", "Jasmin", "Kai", "Penny",
        "Norma", "Mercedes", "Erika", "Flora", "Viola", "Mark", "Hope", "Grace", "Will", "Art", "Long", "Son",
        "Nam", "Van", "Văn", "Thi", "Thị", "Lan", "Hai", "Dung", "Can", "Roman", "Fritz",
    }
)  # fmt: skip


@cache
def given_names() -> frozenset[str]:
    """Every listed given name, as written (case-sensitive lookups use this)."""
    text = _GIVEN_GERMAN + _GIVEN_ARABIC_TURKISH_KURDISH + _GIVEN_SLAVIC + _GIVEN_VIETNAMESE_OTHER
    return frozenset(text.split())


@cache
def surnames() -> frozenset[str]:
    """Every listed surname, as written."""
    return frozenset((_SURNAMES_GERMAN + _SURNAMES_OTHER).split())


# Communities the Faker-derived lists miss (Eritrea, Ethiopia, Somalia, Afghanistan, the Sahel and Senegambia,
# Kurdish and Levantine names): own compilation; like the world lists, evidence only next to a cue or a surname.
# Left out on purpose: names that are German words ("Million", "Alpha", "Muse", "Fanta", "Nur", "Fall").
# The last lines are short forms and pet forms of given names (German, Polish, Russian and Ukrainian, Arabic and
# Turkish) as people write them in messages ("Andi", "Jule", "Kuba", "Olek", "Kolja"), without the ones that are
# words ("Floh", "Keks", "Mo", "Jo", "Ede", "Juli").
_GIVEN_WORLD_EXTRA = """
Yonas Tesfaye Semhar Selam Dawit Yohannes Mulugeta Abebe Kidane Tsegay Mehari Robel Filmon Senait Luwam Meron Hagos
Teklay Berhane Amanuel Mussie Winta Tigist Hiwot Bereket Biniam Ermias Getachew Fikre Asmerom Yemane Haben Feven Yodit
Abdirahman Hodan Fadumo Khadar Nimco Sagal Deeqa Ubah Ifrah Asad Jama Abdiaziz Abdikarim Hamdi Ilhan Istahil Sahra
Habib Jawad Mansur Massoud Nasir Rahim Sayed Shafiq Sohrab Wahid Zabihullah Marzia Nargis Parwana Roya Shabnam
Zarghuna Arash Bahram Hossein Navid Omid Parisa Shirin Yasaman Mirwais Naweed Sediq Sharif Qasim Nazir Basir Latifa
Adama Mamadou Ousmane Ibrahima Boubacar Cheikh Amadou Abdoulaye Aliou Souleymane Modou Lamin Ebrima Alieu Fatou
Aminata Mariama Awa Binta Kadiatou Aissatou Ndeye Khady Astou Coumba Djeneba Oumou Sekou Seydou Bakary Lansana
Adjoa Efua Chioma Nkechi Olumide Oluwaseun Tunde Babatunde Folake Funmilayo Bukola Temitope Chidi Obinna Uchenna
Rojhat Shvan Dilshad Kawa Shilan Hevi Ronahi Delal Nesrin Perwin Serhildan Berfin Jiyan Rojin Welat
Ghassan Hussam Iyad Nizar Wael Zaid Ammar Motaz Rasha Reem Rima Sanaa Suha Hala Dima Ruba Alaa Israa Hiba Batoul Shahed
Andi Tobi Basti Flori Benni Jule Jessi Sabse Babs Moni Kalle Hansi Jupp Franzi Caro Lisi Fabi Matze Olli Ralle Tommi
Timmi Domi Schorsch Schorschi Charly Gitti Mimi Nici Jacky Jonny Benny Sebi Krissi Chrissi Janni Steffi Bine Kati
Tini Lotti Addi Bernie Hotte Manne Paule Fiete Atze Jojo Kuba Olek Wojtek Tomek Bartek Basia Gosia Ania Zosia Mietek
Staszek Franek Janek Darek Jurek Sławek Kolja Petja Vova Vitja Tolja Mascha Dascha Olja Sveta Ljuba Wowa Kostja
Memo Hamudi Abdo Mimo
"""
_SURNAMES_WORLD_EXTRA = """
Haile Girma Tesfay Tesfamariam Tekle Gebremedhin Gebreyesus Kidane Berhe Weldemichael Abraha Ghebremariam Tsegaye
Mekonnen Alemu Bekele Desta Negash Woldu Tesfaldet Habte Ghebreyesus Yohannes
Warsame Hirsi Egal Dahir Farah Mohamud Aden Guled Samatar Duale
Rahimi Sultani Popal Haidari Ahmadzai Stanikzai Amiri Safi Noori Hashimi Sadat Wardak Barakzai Durrani Mohammadi Jafari
Naderi Moradi Hakimi Nazari Sharifi Habibi Rasuli Sediqi Akbari Hotak Nuristani Tokhi
Coulibaly Traoré Traore Bah Sow Camara Keita Keïta Touré Toure Cissé Cisse Diarra Konaté Konate Sylla Ndiaye Diop Faye
Gueye Sarr Jallow Ceesay Sanneh Jatta Bojang Darboe Njie Touray Sonko Sissoko Dembélé Kanté Doumbia Sangaré Fofana
Agyeman Amoah Quaye Adebayo Bankole Oyelaran Nwankwo Okoro Okonkwo Nwosu Onyeka Ugwu Eze
Avci Yurt Darwish Qasim Abboud Najjar Kassab Hamwi Halabi Shami Homsi Zoabi Sabbagh Attar Khatib Haj Hamoud
"""


def _read_names(file: str) -> frozenset[str]:
    # Shipped in the wheel (package data of hub.data); read once, on first use, never downloaded.
    text = resources.files("hub.data").joinpath("names", file).read_text(encoding="utf-8")
    return frozenset(text.split())


@cache
def world_given_names() -> frozenset[str]:
    """Given names of many countries (derived from Faker's person providers, hub/data/names/PROVENANCE.md) and the
    own list: about 11,000 names. A name from here alone is no evidence; the finder wants a context or a surname."""
    return _read_names("given.txt") | given_names() | frozenset(_GIVEN_WORLD_EXTRA.split())


@cache
def world_surnames() -> frozenset[str]:
    """Surnames of many countries (as above) and the own list: about 13,000 names."""
    return _read_names("surnames.txt") | surnames() | frozenset(_SURNAMES_WORLD_EXTRA.split())


@cache
def german_basic_words() -> frozenset[str]:
    """About 500 words of German basic vocabulary, lower-cased (Faker's de_DE lorem list): "gut", "klein", "darin".
    A lower-case word among them is never taken for a name, nor a capitalised one for a given name without a cue."""
    return _read_names("german_words.txt")


#: Endings that make a word a surname of the region's larger communities even when no list has it (Polish, Czech,
#: Romanian, Serbo-Croatian, Ukrainian, Georgian, Turkish, Armenian patronymic forms).
SURNAME_ENDINGS: tuple[str, ...] = (
    "ski", "ska", "cki", "cka", "dzki", "dzka", "wicz", "czyk", "czak", "escu", "eanu", "ović", "ovic", "ević",
    "evic", "enko", "chuk", "shvili", "dze", "oğlu", "oglu", "yan", "ian", "owski", "owska", "ová",
)  # fmt: skip
