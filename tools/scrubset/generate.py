"""The generated part of the held-out set: hand-written templates per style, filled from hand-written pools.

A template holds slots in braces: ``{name}`` and the other personal slots expand to ``[[LABEL:value]]`` markup,
``{stop}``, ``{line}`` and the like to plain text, and ``{Zeuge|Zeugin}`` picks the word that agrees with the
gender of the sentence's person. Each style has its own templates (about thirty); every template is used a few
times only, with different fills. Seeded, so the build is reproducible.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tools.scrubset import numbers, pools
from tools.scrubset.templates import TEMPLATES

SEED = 20261205
PER_STYLE = 140
SLOT = re.compile(r"\{([^{}]*)\}")
ORIGIN_WEIGHTS = {"de": 30, "tr": 8, "ar": 9, "pl": 8, "ro": 6, "ru": 6, "ua": 7, "wa": 9, "vn": 6, "es": 5, "other": 6}
NAME_FORMS = {
    "leitstelle": {"full": 50, "rev": 8, "REV": 8, "init": 10, "given": 12, "gsur": 6, "lower": 2},
    "buerger": {"full": 55, "lower": 22, "given": 12, "lgiven": 6, "init": 3},
    "funk": {"full": 55, "given": 25, "init": 8, "lower": 5, "REV": 3},
    "polizei": {"full": 68, "rev": 14, "REV": 10, "gsur": 6, "init": 2},
    "ordnungsamt": {"full": 55, "given": 22, "init": 10, "rev": 6, "lower": 3},
}
TITLES = {
    "leitstelle": (("Hr.", "Herr"), ("Fr.", "Frau")),
    "ordnungsamt": (("Hr.", "Herr"), ("Fr.", "Frau")),
}


@dataclass(slots=True)
class Person:
    """A fictitious person: given name, surname, gender, origin of the name."""

    given: str
    surname: str
    gender: str
    origin: str

    def full(self) -> str:
        """The name in its usual order (family name first for Vietnamese names)."""
        return f"{self.surname} {self.given}" if self.origin == "vn" else f"{self.given} {self.surname}"


def make_person(rng: random.Random, gender: str) -> Person:
    """A person of ``gender`` with a name from one of the pools, weighted towards German names."""
    origin = rng.choices(list(ORIGIN_WEIGHTS), weights=list(ORIGIN_WEIGHTS.values()))[0]
    given = rng.choice([g for g, sex in pools.GIVEN[origin] if sex == gender])
    surname = rng.choice(pools.SURNAMES[origin])
    if "/" in surname:
        surname = surname.split("/")[0 if gender == "m" else 1]
    return Person(given, surname, gender, origin)


def initials(given: str) -> str:
    """'Karl-Heinz' -> 'K.-H.', 'Anna' -> 'A.'."""
    return "-".join(part[0] + "." for part in given.split("-"))


def name_form(person: Person, form: str) -> str:
    """The person's name written in ``form``."""
    given_only = person.given.split()[-1] if person.origin == "vn" else person.given
    forms = {
        "full": person.full(),
        "rev": f"{person.surname}, {person.given}",
        "REV": f"{person.surname.upper()}, {person.given}",
        "init": f"{initials(person.given)} {person.surname}",
        "gsur": f"{person.given} {person.surname[0]}.",
        "given": given_only,
        "lower": person.full().lower(),
        "lgiven": given_only.lower(),
    }
    if person.origin == "vn" and form in ("rev", "REV", "init", "gsur"):
        return person.full()
    return forms[form]


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for e-mail local parts: umlauts as ae/oe/ue, other marks dropped."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("\u0131", "i").replace("ł", "l").replace("đ", "d")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.-]", "", folded.replace(" ", "-"))


def email_for(rng: random.Random, person: Person) -> str:
    """An e-mail address, mostly built from the person's name, now and then obfuscated."""
    given, surname = ascii_fold(person.given.split()[-1]), ascii_fold(person.surname)
    local = rng.choice(
        [
            f"{given}.{surname}",
            f"{given[0]}.{surname}",
            f"{given}{surname}",
            f"{surname}.{given}",
            f"{given}_{surname}{rng.randint(60, 99)}",
            f"{surname}{rng.randint(1, 999)}",
            f"{rng.choice(pools.MAIL_WORDS)}{rng.randint(1, 99)}",
            f"{given}.{surname[0]}",
        ]
    )
    at = rng.choice(("@", "@", "@", "@", "@", "@", "@", "(at)", "[at]", " at "))
    return f"{local}{at}{rng.choice(pools.MAIL_DOMAINS)}"


def street_number(rng: random.Random) -> str:
    """A house number: plain, with a letter, a range."""
    n = rng.randint(1, 180)
    return rng.choice((str(n), str(n), str(n), f"{n}a", f"{n} b", f"{n}-{n + 2}", f"{n}c"))


def address(rng: random.Random, street: str | None = None, postcode: bool | None = None) -> str:
    """Street and number, sometimes with postcode and city, sometimes 'Str.' for 'Straße'."""
    street = street or rng.choice(pools.STREETS)
    if street.endswith("straße") and rng.random() < 0.25:
        street = street[: -len("straße")] + "str."
    elif street.endswith(" Straße") and rng.random() < 0.25:
        street = street[: -len("Straße")] + "Str."
    text = f"{street} {street_number(rng)}"
    if postcode if postcode is not None else rng.random() < 0.2:
        text += f", {rng.choice(pools.POSTCODES)} Halle" + rng.choice(("", "", " (Saale)", "/Saale"))
    return text


def in_address(rng: random.Random) -> str:
    """'in der <street> <no>' or 'im <Weg> <no>' with only the address marked."""
    street = rng.choice([s for s in pools.STREETS if not s.startswith(("Am ", "An ", "Alter ", "Kleine ", "Lange "))])
    feminine = street.endswith(("straße", "Straße", "höhe"))
    return ("in der " if feminine else "im ") + mark("ADDRESS", address(rng, street, postcode=False))


def mark(label: str, value: str) -> str:
    """Inline markup for one personal value."""
    return f"[[{label}:{value}]]"


@dataclass(slots=True)
class Context:
    """What one generated sentence is about: its style, its main person and a second one."""

    rng: random.Random
    style: str
    person: Person
    other: Person = field(init=False)

    def __post_init__(self) -> None:
        self.other = make_person(self.rng, self.rng.choice("mf"))

    @property
    def female(self) -> bool:
        """True when the sentence's main person is a woman."""
        return self.person.gender == "f"

    def name(self, person: Person | None = None) -> str:
        """A name in one of the forms usual for the style."""
        weights = NAME_FORMS[self.style]
        form = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        return name_form(person or self.person, form)

    def title(self) -> str:
        """Herr/Frau, abbreviated now and then where the style does that."""
        choices = TITLES.get(self.style, (("Herr",), ("Frau",)))
        return self.rng.choice(choices[1 if self.female else 0])

    def origin(self, arg: str) -> str:
        """An origin word: noun ('n'), or adjective stem plus the ending(s) in ``arg`` ('er|e')."""
        stem, noun_m, noun_f = self.rng.choice(pools.ORIGINS)
        if arg == "n":
            return noun_f if self.female else noun_m
        endings = arg.split("|")
        return stem + endings[1 if self.female and len(endings) > 1 else 0]


def _plain(values: list[str]) -> Callable[[Context, str], str]:
    return lambda ctx, _arg: ctx.rng.choice(values)


SLOTS: dict[str, Callable[[Context, str], str]] = {
    "name": lambda ctx, _a: mark("NAME", ctx.name()),
    "name2": lambda ctx, _a: mark("NAME", ctx.name(ctx.other)),
    "given": lambda ctx, _a: mark("NAME", name_form(ctx.person, "given")),
    "sur": lambda ctx, _a: mark("NAME", ctx.person.surname),
    "lname": lambda ctx, _a: mark("NAME", ctx.person.full().lower()),
    "nick": lambda ctx, _a: mark("NAME", ctx.rng.choice(pools.NICKNAMES)),
    "title": lambda ctx, _a: ctx.title(),
    "phone": lambda ctx, _a: mark("PHONE", numbers.phone(ctx.rng)),
    "mobile": lambda ctx, _a: mark("PHONE", numbers.mobile(ctx.rng)),
    "landline": lambda ctx, _a: mark("PHONE", numbers.landline(ctx.rng)),
    "plate": lambda ctx, _a: mark("PLATE", numbers.german_plate(ctx.rng)),
    "lplate": lambda ctx, _a: mark("PLATE", numbers.german_plate(ctx.rng).lower()),
    "fplate": lambda ctx, _a: mark("PLATE", ctx.rng.choice(pools.FOREIGN_PLATES)),
    "pplate": lambda ctx, _a: mark("PLATE", numbers.partial_plate(ctx.rng)),
    "email": lambda ctx, _a: mark("EMAIL", email_for(ctx.rng, ctx.person)),
    "addr": lambda ctx, _a: mark("ADDRESS", address(ctx.rng)),
    "addrpc": lambda ctx, _a: mark("ADDRESS", address(ctx.rng, postcode=True)),
    "inaddr": lambda ctx, _a: in_address(ctx.rng),
    "iban": lambda ctx, _a: mark("IBAN", numbers.iban(ctx.rng)),
    "dob": lambda ctx, _a: mark("DOB", numbers.date_of_birth(ctx.rng)),
    "perso": lambda ctx, _a: mark("IDNUMBER", numbers.id_card(ctx.rng)),
    "pass": lambda ctx, _a: mark("IDNUMBER", numbers.passport(ctx.rng)),
    "steuer": lambda ctx, _a: mark("IDNUMBER", numbers.steuer_id(ctx.rng)),
    "svnr": lambda ctx, _a: mark("IDNUMBER", numbers.social_security(ctx.rng)),
    "fsnr": lambda ctx, _a: mark("IDNUMBER", numbers.licence(ctx.rng)),
    "fin": lambda ctx, _a: mark("IDNUMBER", numbers.vin(ctx.rng)),
    "origin": lambda ctx, arg: mark("ORIGIN", ctx.origin(arg)),
    "look": lambda ctx, arg: mark("ORIGIN", ctx.rng.choice(pools.LOOKS) + arg),
    "stop": _plain(pools.STOPS),
    "stop2": _plain(pools.STOPS),
    "line": _plain(pools.LINES),
    "bus": _plain(pools.BUSES),
    "street": _plain([s for s in pools.STREETS if not s.startswith(("Am ", "An "))]),
    "company": _plain(pools.COMPANIES),
    "callsign": _plain(pools.CALLSIGNS),
    "wagen": lambda ctx, _a: str(ctx.rng.choice((ctx.rng.randint(601, 673), ctx.rng.randint(1001, 1130)))),
    "time": lambda ctx, _a: f"{ctx.rng.randint(0, 23):02d}:{ctx.rng.randint(0, 59):02d}",
    "date": lambda ctx, _a: f"{ctx.rng.randint(1, 28):02d}.{ctx.rng.randint(9, 12):02d}.2026",
    "age": lambda ctx, _a: str(ctx.rng.randint(14, 70)),
    "n": lambda ctx, _a: str(ctx.rng.randint(2, 9)),
    "money": _plain(["15", "25", "35", "55", "70", "88,50", "120", "250"]),
    "incident": lambda ctx, _a: f"E-2026-{ctx.rng.randint(9, 12):02d}-{ctx.rng.randint(1, 999):03d}",
    "az": lambda ctx, _a: ctx.rng.choice(
        (
            f"{ctx.rng.randint(100, 999)} Js {ctx.rng.randint(1000, 9999)}/26",
            f"2026-OA-{ctx.rng.randint(1000, 9999)}",
            f"OWi 26-{ctx.rng.randint(100000, 999999)}",
        )
    ),
}


def fill(template: str, ctx: Context) -> str:
    """Replace every slot of ``template``."""

    def one(match: re.Match[str]) -> str:
        content = match.group(1)
        if "|" in content and ":" not in content:
            male, female = content.split("|")
            return female if ctx.female else male
        key, _, arg = content.partition(":")
        return SLOTS[key](ctx, arg)

    return re.sub(r"(?<=Str)\.\.", ".", SLOT.sub(one, template))


def casual(rng: random.Random, line: str) -> str:
    """Citizen style: now and then all lower case outside the marked values, or no final punctuation."""
    if rng.random() < 0.3:
        parts = re.split(r"(\[\[.*?\]\])", line)
        line = "".join(p if p.startswith("[[") else p.lower() for p in parts)
    if rng.random() < 0.25 and line[-1] in ".!":
        line = line[:-1]
    return line


def sentences() -> Iterator[tuple[str, str]]:
    """(style, marked-up line) for every generated sentence, round-robin over each style's templates."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not security
    for style, templates in TEMPLATES.items():
        order: list[str] = []
        while len(order) < PER_STYLE:
            batch = list(templates)
            rng.shuffle(batch)
            order += batch
        seen: set[str] = set()
        for template in order[:PER_STYLE]:
            for _attempt in range(20):
                ctx = Context(rng, style, make_person(rng, rng.choice("mf")))
                line = fill(template, ctx)
                line = casual(rng, line) if style == "buerger" else line
                if line not in seen:
                    break
            seen.add(line)
            yield style, line
