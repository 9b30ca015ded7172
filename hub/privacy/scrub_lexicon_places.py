"""Place words for the free-text scrubber: German vehicle district codes, Halle's stop names, street-name endings.

District codes (Unterscheidungszeichen): own compilation of current and reintroduced codes, grouped by state;
not guaranteed complete, a missing code only costs recall on that district's plates. Stop names: Mitteldeutscher
Verkehrsverbund GmbH (MDV), GTFS, Stand 2025-06-06 (CC BY 4.0), Halle city stops with the "Halle (Saale), " prefix cut.
"""

from __future__ import annotations

from functools import cache


def _split(words: str) -> list[str]:
    # Long word lists read better as text than as quoted literals.
    return words.split()


_DISTRICT_CODES = """
HAL SK MQ MER QFT SGH ML MSH EIL HET BLK NMB WSF ZZ HHM NEB WB GHC JE DE RSL ABI BTF KÖT ZE BK BÖ HDL OC OK WMS
WZL HZ HBS QLB WR JL BRG GNT MD SAW GA KLZ SDL HV OBG SLK ASL BBG SBK SFT AZE LSA
L DD C Z FG ERZ ANA ASZ AU MEK SZB STL BZ GR HY KM LÖB NOL NY WSW ZI DW FTL MEI PIR RG SEB BIW DL DZ EB GC GHA
GRM HC HOT MTL MW OVL TG TO WUR V AE OVP PL RC BNA FLÖ MAB ZP RIE GRH NU
EF G GTH J WE SHL ABG AP EA EIC GRZ HBN IK KYF NDH SHK SLF SM SOK SON SÖM UH WAK ARN HIG LBS MGN MHL PN RU SCZ
SDH SLZ ZR EIS IL
P BRB CB FF BAR LDS LOS MOL OHV OPR OSL PM PR SPN TF UM EE HVL BEL BER FI FW GUB KW LC LN NAU NP PZ RN SEE SFB SRB
TP ZS ANG EH FOR GUB JÜB KY LB LIB LÜB OR PER PW SRB WL
B HH HB HRO SN NB HGW LUP LRO MSE NWM VG VR PCH GÜ DM HWI RÜG ANK DBR NVP
K D DU E DO BO GE MH OB BOT GLA RE EN HA HAM UN SO HSK MK OE SI BI GT HF MI LIP PB HX ST WAF BOR COE MS KLE WES
VIE KR MG NE ME SG W RS LEV GL BM SU AC DN EU HS BN GM MO DIN HER CAS GLA LH LP BÜR ARN BLB WIT
H HI BS WOB SZ GF PE HE WF GS NOM OHA GÖ OS OL EL CLP VEC DH NI SHG HM HOL NOH LER AUR EMD WTM FRI BRA WHV CUX
STD ROW VER OHZ LG UE DAN CE HK HOL DEL WST SAD
F OF DA WI KS GI MR FD HG MTK HU LDK VB HR HEF ESW KB RÜD LM GG ERB HP LAU WW AZ
S KA MA HD HN UL FR PF RT TÜ ES LB BB WN GP AA HDH SHA TBB KÜN RA BAD OG EM LÖ WT KN VS TUT RW BL SIG FN RV BC CW
FDS MOS NOK BCH
M N A R WÜ ER FÜ IN BA BT HO CO KC KU LIF WUN TIR NEW AS AM SAD CHA REG DEG PA FRG DGF LA SR KEH EI ND PAF FS ED
MÜ AÖ RO TS BGL MB TÖL GAP WM STA FFB DAH LL OAL KF MN NU GZ DLG DON AIC AB MIL KT SW NES KG HAS FO ERH LAU NM
RH WUG AN ANS DKB TIR
MZ KO TR LU KL PS WO NW SÜW DÜW AZ BIR KH SB NK HOM SLS MZG WND IGB KIB KUS AK NR EMS MYK WW SIM DAU BIT COC
KI HL FL NMS SE OD RZ PI IZ HEI NF SL RD PLÖ OH
Y THW BP BW
"""

_HALLE_STOPS = """Adolfstr.|Albert-Einstein-Str.|Alfred-Oelßner-Str.|Alfred-Reinhardt-Str.|Alfred-Schneider-Str.|
Alte Heerstr.|Altenburger Str.|Am Breiten Pfuhl|Am Bruchsee|Am Grünen Feld|Am Heidebad|Am Heiderand|Am Heidesee|
Am Klausberg|Am Leipziger Turm|Am Sommerbad|Am Stadion|Am Steintor|Am Waldrand|Am Wasserturm|Ammendorf|Ammendorfer Weg|
An der Eselsmühle|An der Feuerwache|Angerstr.|Anhalter Platz|Ankerstr.|Apoldaer Str.|Birkhahnweg|Auenblick|
BG Klinikum Bergmannstrost|Beesen|Begonienstr.|Berliner Brücke|Bertha-von-Suttner-Platz|Bertolt-Brecht-Weg|
Betriebshof Freiimfelder Str.|Betriebshof Rosengarten|Binnenhafenstr.|Bitterfelder Str.|Blumenau|Blücherstr.|
Peißnitzinsel|Brachwitzer Str.|Braunschweiger Bogen|Bremer Str.|Bruckdorf|Brühlstr.|Burg Giebichenstein|Böllberg|
Büschdorf|Camillo-Irmscher-Str.|Carl-Schorlemmer-Ring|Chemiestr.|Coimbraer Str.|Cranachstr.|Dachstr.|Dachsweg|
Damaschkestr.|Dautzsch|Diakoniewerk Halle|Dieselstr.|Diesterwegstr.|Dorflage Büschdorf|Dölau|Dürrenberger Str.|
Einkaufspark HEP|Eisenbahnstr.|Eislebener Str.|Elbestr.|Ellernstr.|Elsa-Brändström-Str.|Emil-Eichhorn-Str.|
Emil-Schuster-Str.|Energiepark Dieselstr.|Erich-Kästner-Str.|Ernst-Grube-Str.|Ernst-Hermann-Meyer-Str.|
Etkar-André-Str.|Fiete-Schulze-Str.|Fischerring|Florian-Geyer-Platz|Fontanestr.|Franckeplatz|Franz-Maye-Str.|
Freiheit|Freiimfelder Str.|Freyburger Str.|Friedhof Neustadt|Friesenstr.|Frohe Zukunft|Futterwerk|
Gartenstadt Nietleben|Gartenstadtstr.|Gartenstr.|Genthiner Str.|Gertraudenfriedhof|Geschwister-Scholl-Str.|
Gimritzer Damm|Glauchaer Platz|Gleimstr.|Goldregenweg|Goldschmidt|Gottfried-Keller-Str.|Gottfried-Lindner-Str.|
Granau|Grashalmstr.|Greatview|Grenzstr.|Guldenstr.|Gustav-Menzel-Platz|Gustav-Staude-Str.|Göttinger Bogen|
Haflingerstr.|Hallesche Str.|Hallmarkt|Hallorenstr.|Hamelner Str.|Hans-Dietrich-Genscher-Str.|Hans-Dittmar-Str.|
Harfenweg|Hauptbahnhof|ZOB|Hechtgraben|Hegelstr.|Heide-Nord|Heide-Universitätsklinikum|Heidebahnhof|Heidering|
Heideringpassage|Heinrich-Lammasch-Platz|Heinrich-Schütz-Str.|Heizkraftwerk|Helmut-von-Gerlach-Str.|
Hermann-Kussek-Str.|Hermannstr.|Huttenstr.|Hyazinthenstr.|Höllweg|Industriepark Halle-Trotha|Industriestr.|
Isopan|Jasminweg|Joliot-Curie-Platz|Kanena|Kantstr.|Karl-Ernst-Weg|Karl-Meißner-Str.|Karl-Pilger-Str.|
Kastanienallee|Kaufland Trotha|Knolls Hütte|Kolkturmring|Kollenbeyer Weg|Kornblumenweg|Krankenhaus Martha-Maria|
Kröllwitz|Kurallee|Kurt-Tucholsky-Str.|Kurt-Wüsteneck-Str.|Käthe-Kollwitz-Str.|Kühlhaus|Küttener Weg|
Landesmuseum für Vorgeschichte|Lessingstr.|Lettin|Liebenauer Str.|Lieskauer Str.|Lilienstr.|Lise-Meitner-Str.|
Louise-Otto-Peters-Str.|Ludwigstr.|Lupinenweg|Lutherplatz|Lutherstr.|Lübecker Platz|Magdeburger Chaussee|
Magdeburger Str.|Malachitweg|Margueritenweg|Mark-Twain-Str.|Marktplatz|Max-Planck-Ring|Meisenweg|Melanchthonstr.|
Messe|MesseHandelsCentrum|Messestr.|Mindener Str.|Moritzburgring|Moskauer Str.|Mustangweg|Mörikestr.|Mötzlich|
Mühlrain|Mühlweg|Nachtigallensteig|Nelkenstr.|Neues Theater|Orionstr.|Osendorf|Str. der Bergarbeiter|
Osnabrücker Str.|Otto-Eißfeldt-Str.|Otto-Kanning-Str.|Otto-Kilian-Str.|Otto-Stomps-Str.|Passendorfer Weg|
Paul-Singer-Str.|Paul-Suhr-Str.|Paul-Thiersch-Str.|Pfarrstr.|Pflaumenweg|Pfännerhöhe|Pirolweg|Polarisstr.|
Porphyrstr.|Prager Str.|Radewell|Radeweller Str.|Radial|Raffineriestr.|Rannischer Platz|Rapsweg|
Rattmannsdorfer Weg|Reideburg|Siedlung|Reideburger Landstr.|Reideburger Str.|Reileck|Rennbahnkreuz|Rennbahnring|
Richard-Loesche-Str.|Richard-Riedel-Hof|Riebeckplatz|Maritim|Robert-Koch-Str.|Rockendorfer Weg|Rosenfelder Str.|
Roßlauer Str.|Rudererweg|Rudolf-Ernst-Weise-Str.|S-Bahnhof Dessauer Brücke|S-Bahnhof Messe|S-Bahnhof Neustadt|
S-Bahnhof Nietleben|S-Bahnhof Rosengarten|S-Bahnhof Silberhöhe|S-Bahnhof Steintorbrücke|S-Bahnhof Südstadt|
S-Bahnhof Trotha|S-Bahnhof Wohnstadt Nord|S-Bahnhof Zscherbener Str.|Saline|Sanddornweg|Schaeffler|Schlehenweg|
Schmelzerstr.|Schule Kröllwitz|Schwalbenweg|Schwarzenberger Str.|Schwerzer Str.|Schwimmhalle|Schwuchtstr.|
Schönnewitzer Str.|Seeben|Seebener Str.|Siedlerstr.|Smart Press Shop|Soltauer Str.|Sparkasse Dölau|Spechtweg|
Steinweg|Straßburger Weg|Suhler Str.|Südfriedhof|Südpark|Südstadt|Talstr.|Tangermünder Str.|Taucherweg|Taxusweg|
Teutschenthaler Landstr.|Theodor-Neubauer-Str.|Thomasiusstr.|Thüringer Str.|Tiefe Str.|Tornau|Kirschallee|
Triftstr.|Trotha|Trothaer Str.|Trothaer Weg|Turmstr.|Türkstr.|Ufaer Str.|Uralitastr.|Uranusstr.|
Verlängerte Apoldaer Str.|Vogelweide|Volkspark|Von-der-Heydt-Str.|Wackenroderstr.|Waldhornweg|Waldstr.|Wegastr.|
Weinberg Campus|Weststr.|Wiener Str.|Wilhelm-Koenen-Ring|Willi-Bredel-Str.|Willy-Lohmann-Str.|
Wolfgang-Borchert-Str.|Wolfstr.|Wörmlitz|Yorckstr.|Zentrum Neustadt|Zoo|Zscherbener Landstr.|Zscherbener Str.|
Zum Goldberg|Zum Planetarium|Zwickauer Str.|Äußere Hordorfer Str.|Dessauer Brücke|Rosengarten|Steintorbrücke|
Wohnstadt Nord|Halle-Ammendorf|Halle-Neustadt|Halle-Nietleben|Halle-Silberhöhe|Halle-Trotha"""

#: Street-type words that stand alone after an adjective or prefix ("Leipziger Straße", "Am Grünen Feld").
STREET_WORDS: tuple[str, ...] = (
    "Straße", "Strasse", "Str.", "Weg", "Platz", "Allee", "Ring", "Gasse", "Ufer", "Damm", "Chaussee", "Steig",
    "Pfad", "Markt", "Graben", "Brücke", "Bogen", "Promenade", "Anger", "Winkel", "Stieg", "Wall", "Plan", "Hof",
    "Berg", "Höhe", "Blick", "Zeile", "Landstraße", "Landstr.", "Tor", "Turm", "Feld", "Aue", "Garten", "Rain",
    "Passage", "Siedlung", "Hang", "Grund", "Ende",
)  # fmt: skip

#: Endings of one-word street names ("Ludwigstraße", "Hallorenring", "Ernst-Grube-Str.").
STREET_ENDINGS: tuple[str, ...] = (
    "straße", "strasse", "str.", "weg", "platz", "allee", "ring", "gasse", "ufer", "damm", "chaussee", "steig",
    "pfad", "markt", "graben", "brücke", "bogen", "promenade", "anger", "winkel", "stieg", "wall", "plan", "hof",
    "berg", "höhe", "zeile", "rain", "passage", "garten",
)  # fmt: skip

#: Everyday nouns with a street ending, which a number after them does not make an address ("Bahnsteig 2").
NOT_STREETS: frozenset[str] = frozenset(
    _split(
        """Bahnsteig Hochbahnsteig Parkplatz Behindertenparkplatz Spielplatz Sportplatz Stellplatz Sitzplatz
    Arbeitsplatz Abstellplatz Stehplatz Fahrplan Dienstplan Stadtplan Netzplan Lageplan Bauplan Schichtplan
    Bahnhof Betriebshof Friedhof Hinterhof Innenhof Schulhof Bauhof Gasthof Supermarkt Baumarkt Flohmarkt
    Wochenmarkt Weihnachtsmarkt Radweg Fußweg Gehweg Rückweg Heimweg Umweg Ausweg Schulweg Fluchtweg Rettungsweg
    Wanderweg Kindergarten Biergarten Vorgarten Schrebergarten Ring Berg Weg Platz Markt Hof Plan Damm
    Graben Bogen Winkel Wall Anger Ufer Saaleufer Brücke Passage Höhe Ortsteil"""
    )
)


@cache
def district_codes() -> frozenset[str]:
    """Vehicle registration district codes (Unterscheidungszeichen), upper case."""
    return frozenset(_DISTRICT_CODES.split())


@cache
def halle_stop_names() -> tuple[str, ...]:
    """Halle stop names as written in the MDV GTFS feed, without the "Halle (Saale), " prefix."""
    return tuple(name.strip() for name in _HALLE_STOPS.replace("\n", "").split("|") if name.strip())


@cache
def halle_stop_words() -> frozenset[str]:
    """Every capitalised word of a Halle stop name: such words are never taken for a name without a cue."""
    # Hyphenated names stay whole: "Fiete-Schulze-Str." must not make "Schulze" a stop word.
    words = {part for name in halle_stop_names() for part in name.replace("/", " ").split()}
    return frozenset(w for w in words if w[:1].isupper())
