"""Descriptors of a person's nationality or ethnic origin in German free text ("der 17-jährige Syrer", "polnischer
Staatsangehöriger", "südländisch aussehend", "mit arabischem Aussehen"): a special category of personal data (GDPR
Art. 9, Directive (EU) 2016/680 Art. 10), scrubbed outside the police domain. Only the descriptor word is taken, not
the age or the noun it describes. Languages ("spricht nur rumänisch"), countries ("aus Polen") and things
("polnisches Kennzeichen", "syrisches Restaurant") stay. Own compilation for this project.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

Found = tuple[int, int]

# Adjective stems of nationality: a descriptor only next to a person noun ("rumänischer Staatsangehöriger").
_NATION_STEMS = """
syrisch afghanisch irakisch iranisch libanesisch jordanisch palästinensisch ägyptisch libysch tunesisch algerisch
marokkanisch sudanesisch eritreisch äthiopisch somalisch nigerianisch ghanaisch guineisch senegalesisch gambisch
kamerunisch kongolesisch malisch ivorisch pakistanisch indisch bangladeschisch chinesisch vietnamesisch thailändisch
polnisch tschechisch slowakisch ungarisch rumänisch bulgarisch serbisch kroatisch bosnisch albanisch kosovarisch
mazedonisch montenegrinisch griechisch türkisch kurdisch arabisch russisch ukrainisch weißrussisch belarussisch
moldauisch georgisch armenisch aserbaidschanisch tschetschenisch kasachisch usbekisch italienisch spanisch
portugiesisch französisch niederländisch britisch englisch irisch amerikanisch brasilianisch kolumbianisch
venezolanisch mexikanisch kubanisch deutsch österreichisch schweizerisch litauisch lettisch estnisch
schwedisch dänisch norwegisch finnisch belgisch holländisch slowenisch moldawisch zyprisch japanisch koreanisch
philippinisch indonesisch malaysisch mongolisch tibetisch uigurisch kirgisisch tadschikisch turkmenisch persisch
jesidisch tamilisch saudisch jemenitisch katarisch kenianisch südafrikanisch angolanisch kanadisch australisch
schottisch dagestanisch afroamerikanisch
"""
# Appearance words that describe only people: a descriptor in any form and any context.
_LOOKS = """
südländisch südländer dunkelhäutig schwarzafrikanisch nordafrikanisch westafrikanisch osteuropäisch südosteuropäisch
südeuropäisch nahöstlich orientalisch afrikanisch asiatisch arabischstämmig südasiatisch ostasiatisch
zentralasiatisch nordeuropäisch slawisch südamerikanisch lateinamerikanisch mittelamerikanisch
"""
# Nouns a nationality adjective describes when it describes a person.
_PERSON_NOUNS = """
Staatsangehöriger Staatsangehörige Staatsangehörigen Staatsbürger Staatsbürgerin Staatsbürgern Mann Männer Männern
Frau Frauen Jugendlicher Jugendliche Jugendlichen Täter Täterin Tätern Person Personen Herkunft Abstammung Aussehen
Typ Erscheinungsbild Familie Familien Kind Kinder Junge Jungen Mädchen Beschuldigter Beschuldigte Beschuldigten
Tatverdächtiger Tatverdächtige Tatverdächtigen Fahrgast Fahrgäste Mitbürger Mitbürgerin Landsmann Landsleute
Migrant Migranten Migrantin Flüchtling Flüchtlinge Asylbewerber Geflüchteter Geflüchtete Geflüchteten Abstammung
Wurzeln Nationalität Dialekt Zeuge Zeugin Zeugen Opfer Geschädigter Geschädigte Geschädigten Fahrer Fahrerin Herr Dame
Akzent Obdachloser Obdachlose Obdachlosen Bettler Bettlerin Bettlern Kunde Kundin Mieter Mieterin Nachbar
Nachbarin Nachbarn Ehepaar Paar Gruppe Großfamilie Schüler Schülerin Schülern Halter Halterin Fahrerin Anwohner
Anwohnerin Bewohner Bewohnerin Radfahrer Fußgänger Fußgängerin Jugendlichen Kinder Typen Kerl Kerle Landsleute
StA StA. Staatsang Staatsang. Staatsangeh Staatsangeh.
Aussehens Akzents Dialekts Erscheinungsbildes Typs Phänotyp Phänotyps Herkunft Abstammung Teint Hautfarbe
"""
# Masculine nouns of nationality or ethnicity; feminine and plural forms are derived.
_NATION_NOUNS_ER = """
Syrer Iraker Iraner Marokkaner Algerier Tunesier Libyer Ägypter Jordanier Palästinenser Pakistaner Inder Eritreer
Äthiopier Somalier Nigerianer Ghanaer Guineer Gambier Kameruner Malier Ivorer Bosnier Albaner Mazedonier
Montenegriner Ukrainer Moldauer Georgier Armenier Aserbaidschaner Italiener Spanier Niederländer Engländer
Amerikaner Brasilianer Kolumbianer Venezolaner Mexikaner Kubaner Araber Österreicher Schweizer Litauer Letten
Nordafrikaner Westafrikaner Afrikaner Asiate Osteuropäer Südländer Thailänder Jemenit Jemeniten
Belgier Norweger Holländer Moldawier Japaner Koreaner Nordkoreaner Bangladescher Kenianer Tansanier Ugander Beniner
Togoer Angolaner Südafrikaner Peruaner Argentinier Bolivianer Ecuadorianer Dominikaner Haitianer Jamaikaner Kanadier
Australier Waliser Dagestaner Tibeter Afroamerikaner Lateinamerikaner Südamerikaner Zigeuner
"""
_NATION_NOUNS_E = """
Afghane Libanese Sudanese Senegalese Kongolese Chinese Vietnamese Tscheche Slowake Rumäne Bulgare Serbe Kroate
Kosovare Grieche Türke Kurde Russe Weißrusse Tschetschene Kasache Usbeke Portugiese Franzose Brite Ire Este Pole
Schwede Däne Slowene Belarusse Kirgise Tadschike Turkmene Mongole Nepalese Chilene Schotte Zypriote Uigure
Tamile Jeside Eside Deutschtürke Deutschrusse Kanake Kanacke
"""
# Plurals that are also a country's name: "aus Polen", "nach Ungarn".
_NOT_PLURAL = frozenset({"Polen", "Ungarn", "Letten", "Esten"})
_MIN_LOWER_NOUN = 5  # shorter lower-case forms are other words too ("pole", "ire", "este")
_GERMAN = frozenset({"Deutsche", "Deutschen", "Deutscher"})


@cache
def _nouns() -> frozenset[str]:
    nouns: set[str] = {"Roma", "Sinti", "Deutscher", "Ungar", "Ungarin", "Ungarinnen", "Polin", "Polinnen", "Russin"}
    nouns |= {"Sinto", "Romni", "Latino", "Latina", "Latinos", "Filipino", "Filipina", "Saudi", "Saudis"}
    nouns |= {"Afrodeutscher", "Afrodeutsche", "Afrodeutschen"}
    # Germans from the former Soviet Union and other compounds of "-deutsche" (an adjective declined as a noun).
    for stem in ("Russland", "Kasachstan", "Wolga", "Sudeten", "Banater", "Siebenbürger"):
        nouns.update({stem + "deutscher", stem + "deutsche", stem + "deutschen"})
    for base in _NATION_NOUNS_ER.split():
        nouns.update({base, base + "n", base + "s", base + "in", base + "innen"})  # "des Marokkaners"
    for base in _NATION_NOUNS_E.split():
        nouns.update({base, base + "n", base[:-1] + "in", base[:-1] + "innen"})
    return frozenset(nouns - _NOT_PLURAL)


def _forms(stems: str, stamm: bool) -> frozenset[str]:
    # Every inflected form, lower-cased: "syrisch", "syrische", "syrischer", ..., "syrischstämmigen".
    suffixes = ("", "e", "er", "en", "em", "es")
    forms = {stem + s for stem in stems.split() for s in suffixes}
    if stamm:
        forms |= {stem + "stämmig" + s for stem in stems.split() for s in suffixes}
    return frozenset(forms)


@cache
def _adjectives() -> frozenset[str]:
    return _forms(_NATION_STEMS, stamm=True)


@cache
def _looks() -> frozenset[str]:
    return _forms(_LOOKS, stamm=False)


# One scan over the words of the text with set look-ups: far cheaper than a regex of a few hundred alternatives.
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")
_AFTER = re.compile(r"\W{0,3}([^\W\d_]+)(?:\W{1,3}([^\W\d_]+))?")
_LOOKING = re.compile(r"(?i)[ \t]*(?:aussehend\w*|wirkend\w*|stämmig\w*|\(?vom Aussehen)")
# "sieht arabisch aus", "sah osteuropäisch aus": a look verb shortly before the adjective.
_LOOK_VERB_BEFORE = re.compile(r"(?i)\b(?:sieht|sehen|sah|sahen|aussehen|wirkt|wirkte)\b(?:[ ]\w+){0,2}[ ]$")
# "beide Polen", "zwei Ungarn": a plural that is also a country's name is people after a number word.
_COUNT_BEFORE = re.compile(r"(?i)\b(?:beide|zwei|drei|vier|fünf|mehrere|einige|viele|die|den|\d+)[ ](?:\w+e[nr]?[ ])?$")


_ARTICLE_OR_COUNT_BEFORE = re.compile(
    r"(?:^|[ (])(?P<article>der|die|den|dem|des|ein|einen|einem|eines|eine|ne|nen|beide|zwei|drei|vier|mehrere|einige"
    r"|\d+)"
    r"(?:[ ][a-zäöü]+e[nr]?)?[ ]$"
)


def _lower_noun_describes(text: str, m: re.Match[str]) -> bool:
    """Citizens' lower-case writing: "ein syrer", "zwei afghanen"; short or country-named forms ("der pole", "die
    zwei polen") only after an article or a count: alone they are other words ("pole", "ire") or a country ("nach
    polen")."""
    word = m.group()
    if len(word) >= _MIN_LOWER_NOUN and word.capitalize() in _nouns():
        return True
    before = _ARTICLE_OR_COUNT_BEFORE.search(text, max(0, m.start() - 30), m.start())
    # "die pole am nordpol": a short form is masculine singular ("der pole"); after "die" it is another noun's plural.
    return before is not None and not (before.group("article") == "die" and len(word) < _MIN_LOWER_NOUN)


def _describes_person(text: str, end: int) -> bool:
    """The next word, or the one after an adjective, is a person noun ("polnischer Staatsangehöriger", "syrische
    junge Frau", "polnischer Transportunternehmer")."""
    m = _AFTER.match(text, end)
    if m is None:
        return False
    first, second = m.group(1), m.group(2)
    if first[:1].islower() and second is not None and not _person_noun(first):
        return _person_noun(second)
    return _person_noun(first)


def _person_noun(word: str) -> bool:
    if word.islower():  # citizens' lower-case writing: "ein polnischer lkw fahrer", "zwei syrische männer"
        word = word.capitalize()
    return word in _person_nouns() or (word[:1].isupper() and word.lower().endswith(_PERSON_ENDINGS))


# Endings of compound nouns that name a person ("Transportunternehmer", "Bauarbeiterin", "Gemüsehändler").
_PERSON_ENDINGS = (
    "unternehmer", "unternehmerin", "arbeiter", "arbeiterin", "händler", "händlerin", "fahrer", "fahrerin",
    "bürger", "bürgerin", "student", "studentin", "tourist", "touristin", "bewohner", "bewohnerin", "mann", "frau",
    "männer", "frauen", "junge", "mädchen", "täter", "täterin", "jugendlicher", "jugendliche", "rentner", "rentnerin",
    "gruppe", "gruppen", "clique", "bande", "familie", "familien", "leute",
)  # fmt: skip


@cache
def _person_nouns() -> frozenset[str]:
    return frozenset(_PERSON_NOUNS.split())


def _looks_describe_thing(text: str, end: int) -> bool:
    # "asiatischer Imbiss", "afrikanische Musik": a capitalised noun right after that is no person noun.
    m = re.match(r"[ ]([A-ZÄÖÜ][^\W\d_]+)", text[end:])
    return m is not None and not _person_noun(m.group(1)) and m.group(1) not in _nouns()


def is_origin_noun(word: str) -> bool:
    """True for a noun of nationality or ethnicity ("Syrer", "Afghanin", "Deutscher")."""
    return word in _nouns() or word in _GERMAN


# Shorthand of control-room and streetwork notes: "2x Syr., 1x Afgh.", "Pers. südl. Phänotyp", "2 Frauen (rumän.)",
# "Tatv. m., ca. 30, georg., flüchtig", "beide rum.", "(ghan. StA)". An abbreviation is a listed one or, by its
# shape, the start (three letters or more) of a nationality or looks adjective ("eritr.", "südosteurop.", "ivor.");
# it counts (with its dot) only where it describes a person: after a count ("2x", "3 Pers."), after "Pers.", a role
# or "beide", inside brackets of its own, before a person, look or age word, or between commas after a sex or age
# ("m., ca. 30, georg.,"). "Tun." and "Ind." need a count or a person noun; "Pol." is left out (it is the police
# far more often than a Pole), and so are prefixes that are everyday abbreviations ("sen.", "mal.", "Mon.").
_ABBREVIATIONS = """
syr afgh afg irak marokk alger tun rum rumän bulg türk russ ukr erit somal alb serb viet vietn südl südländ osteurop
arab afrik nordafr dt tschech ungar kosov georg tschetsch liban iran pak ind lit lett moldau nigerian gamb guin
"""
_ABBR_SET = frozenset(_ABBREVIATIONS.split())
# Prefixes of the adjective stems that are other words or everyday abbreviations.
_NOT_ABBREVIATIONS_TEXT = """
pol sen mal mon kam arm eng est nie sch schw süd nord west ost weiß wei bel pal kur mar por kol bra ung ser bos dun
dunk kon sla slo deu mit mitt mitte mittel ira gri franz mali per pers aus kan nor hol ost zen sau kat ang fin dän
tam tib jap kor ken mon sch
"""
_NOT_ABBREVIATIONS = frozenset(_NOT_ABBREVIATIONS_TEXT.split())
_MIN_ABBR = 3
_ABBR = re.compile(r"(?<![\w.-])([^\W\d_]{2,13})\.(?!\w)")  # the shape; the set and the stems decide
_ABBR_COUNT_BEFORE = re.compile(r"(?i)(?:\b\d+[ ]?x|\b\d+[ ]Pers\.?|\b\d+)[ ]$")
_ABBR_PERSON_BEFORE = re.compile(
    r"(?i)(?:\bPers\.|\bPerson|\bPersonen|\bFahrgast|\bTatv\.|\bTäter|\bbeide|\balle|\bStA:?|\bNat\.:?"
    r"|\bNationalität:|\bStaatsangehörigkeit:)[ ]$"
)
# "m., ca. 30, georg.," / "ca. 25 J., rum.": an abbreviation after a sex or an age between commas.
_ABBR_DESCRIPTION_BEFORE = re.compile(
    r"(?:(?<![\w.])[mw]\.?|\bmännl(?:\.|ich)|\bweibl(?:\.|ich)|\bca\.[ ]?\d{1,2}|\b\d{1,2}[ ]?(?:J\.?|Jahre)"
    r"|\b\d{2}[ ]?-[ ]?\d{2})(?:,[ ]|/)$"
)
# "Nationalität: syrisch", "StA: afghanisch", "(syrisch, 19)": a full adjective in a description of a person.
_ADJ_CUE_BEFORE = re.compile(r"(?i)(?:\bStA:?|\bNat\.:?|\bNationalität:|\bStaatsangehörigkeit:)[ ]$")
# ", ca. 45", ", 45 J.", " ca. 20": an age right after.
_ABBR_AGE_AFTER = re.compile(r",?[ ](?:ca\.[ ]?)?\d{1,2}(?:[ ]?J\.?)?(?!\d|[.:/]\d)")
_ABBR_AFTER = re.compile(r"[ ]([A-ZÄÖÜ][^\W\d_]+)(\.?)")
_ABBR_LOOK_NOUNS = frozenset({"Phänotyp", "Typ", "Herkunft", "Aussehen", "Akzent", "Erscheinungsbild", "Abstammung"})
_ABBR_PERSON_ABBR = frozenset({"Jugendl", "Pers", "Fam", "StA", "Staatsang", "Staatsangeh", "Männer", "Frauen"})
_ABBR_STRICT = frozenset({"tun", "ind"})
# A found name or date of birth (already a placeholder in a later pass) or a "*" birth date, then a comma.
_ABBR_AFTER_PERSON_VALUE = re.compile(r"(?:\[NAME\]|\[GEBURTSDATUM\]|\*[ ]?\d{1,2}\.\d{1,2}\.\d{2,4}),[ ]\Z")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ ]\Z")


@cache
def _stems() -> tuple[str, ...]:
    return tuple(_NATION_STEMS.split() + _LOOKS.split())


@lru_cache(maxsize=4096)  # bounded: the words come from arbitrary input
def _is_abbreviation(word: str) -> bool:
    lower = word.lower()
    if lower in _ABBR_SET:
        return True
    if len(lower) < _MIN_ABBR or lower in _NOT_ABBREVIATIONS or not (word.islower() or word[1:].islower()):
        return False
    return any(stem.startswith(lower) and stem != lower for stem in _stems())


def is_origin_adjective(word: str) -> bool:
    """True for a nationality or looks adjective in any inflection ("syrischer", "südländisch", "Arabischem")."""
    low = word.lower()
    return low in _adjectives() or low in _looks()


def is_origin_abbreviation(word: str) -> bool:
    """True for an abbreviated origin word without its dot ("poln", "Syr", "südosteurop")."""
    return _is_abbreviation(word)


def _abbreviation_describes_person(text: str, m: re.Match[str]) -> bool:
    before = text[max(0, m.start() - 12) : m.start()]
    after = _ABBR_AFTER.match(text, m.end())
    if _ABBR_COUNT_BEFORE.search(before) or (
        after is not None
        and (
            after.group(1) in _ABBR_LOOK_NOUNS
            or _person_noun(after.group(1))
            or (after.group(2) and after.group(1) in _ABBR_PERSON_ABBR)
        )
    ):
        return True
    if m.group(1).lower() in _ABBR_STRICT:
        return False
    word_before = _WORD_BEFORE.search(before)
    if (
        m.group(1).islower()
        and word_before is not None
        and word_before.group(1)[:1].isupper()
        and _person_noun(word_before.group(1))
    ):
        return True  # "Lkw-Fahrer bulg. hat", "Jugendliche türk. und dt. Herkunft"
    if after is not None and not after.group(2) and after.group(1) not in _nouns():
        return False  # "ca. 30, ital. Lederjacke", "dt. Sprache": before a noun for a thing
    return (
        # "[NAME], ital., wohnhaft", "*7.1.93, ukr.,": a person's particulars in a row
        _ABBR_AFTER_PERSON_VALUE.search(text, max(0, m.start() - 20), m.start()) is not None
        or _ABBR_PERSON_BEFORE.search(before) is not None
        or (before.endswith("(") and text[m.end() : m.end() + 1] in (")", " "))
        or _ABBR_DESCRIPTION_BEFORE.search(before) is not None
        or _ABBR_AGE_AFTER.match(text, m.end()) is not None
        or _LOOKING.match(text, m.end()) is not None
    )


def _adjective_in_description(text: str, m: re.Match[str]) -> bool:
    """ "männlich, ca. 30, arabisch,", "w., 25 J., rumänisch", "StA: afghanisch", "(syrisch, 19)": the adjective
    stands in a list describing a person: after a sex or an age, after a nationality cue, or opening a bracket
    before an age. After a verb of speaking it is a language and never gets here ("spricht rumänisch, ca. 30")."""
    before = text[max(0, m.start() - 24) : m.start()]
    if _ABBR_DESCRIPTION_BEFORE.search(before) or _ADJ_CUE_BEFORE.search(before):
        return True
    return before.endswith("(") and _AGE_CLOSES.match(text, m.end()) is not None


# ", 19)", ", ca. 19 J.)": an age closing the bracket the adjective opened.
_AGE_CLOSES = re.compile(r",[ ](?:ca\.[ ]?)?\d{1,2}(?:[ ]?(?:J\.?|Jahre))?\)")


def _abbreviated_origins(text: str) -> list[Found]:
    return [
        m.span()
        for m in _ABBR.finditer(text)
        if _is_abbreviation(m.group(1)) and _abbreviation_describes_person(text, m)
    ]


def find_origins(text: str) -> list[Found]:
    """Nationality or ethnic-origin descriptors of a person: nouns ("Syrer"), adjectives before a person noun
    ("polnischer Staatsangehöriger", "arabischem Aussehen") or before "aussehend", and appearance words."""
    found: list[Found] = []
    nouns, adjectives, looks = _nouns(), _adjectives(), _looks()
    for m in _WORD.finditer(text):
        word = m.group()
        lower = word.lower()
        if word in nouns:
            ok = True
        elif word in _NOT_PLURAL:
            ok = _COUNT_BEFORE.search(text, max(0, m.start() - 30), m.start()) is not None
        elif word.islower() and (word.capitalize() in nouns or word.capitalize() in _NOT_PLURAL):
            ok = _lower_noun_describes(text, m)
        elif word in _GERMAN:
            # "Deutsche Bahn", "Deutscher Wetterdienst": the German adjective in a name is no descriptor.
            ok = m.start() > 0 and not _looks_describe_thing(text, m.end())
        elif lower in adjectives:
            ok = (
                "stämmig" in lower
                or _adjective_in_description(text, m)
                or _describes_person(text, m.end())
                or _LOOKING.match(text, m.end()) is not None
                or _LOOK_VERB_BEFORE.search(text, max(0, m.start() - 40), m.start()) is not None
            )
        elif lower in looks:
            ok = not _looks_describe_thing(text, m.end())
        else:
            continue
        if ok:
            found.append(m.span())
    if "." in text:
        found.extend(_abbreviated_origins(text))
    return found
