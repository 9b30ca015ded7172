"""The console's people: the users file (TOML, ``[users.<name>] agency role password_hash``) and the check of a
sign-in, which costs an unknown user as much as a wrong password (a stand-in hash with the same parameters).
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.console.passwords import ScryptHash, hash_password, parse_hash
from hub.errors import ConfigError

__all__ = ["AGENCIES", "Agency", "Authenticator", "User", "load_users", "users_from_toml"]

#: The agencies with a control room on the console; each is also an alert domain (``alerts.<agency>``).
Agency = Literal["polizei", "havag", "ordnungsamt"]
AGENCIES: tuple[Agency, ...] = ("polizei", "havag", "ordnungsamt")

#: Sign-in checks running at once: each holds scrypt's memory (128 MiB by default) for a third of a second.
CONCURRENT_CHECKS = 2


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: Agency
    role: str = Field(min_length=1, max_length=64, pattern=r"^[^()\s][^()]*$")
    password_hash: str = Field(min_length=1, max_length=512)


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in: name, agency, role and password hash."""

    name: str
    agency: Agency
    role: str
    password: ScryptHash

    @property
    def by(self) -> str:
        """How the person's actions are signed on ``acks.<domain>``: ``<user> (<role>)``."""
        return f"{self.name} ({self.role})"


_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: dict[str, _Entry] = Field(default_factory=dict)


def users_from_toml(text: str, where: str) -> dict[str, User]:
    """The users of a users file's text, by name; ``ConfigError`` naming the user and key when one is wrong."""
    try:
        data = _File.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where}: {problems}") from exc
    users: dict[str, User] = {}
    for name, entry in data.users.items():
        if not _valid_name(name):
            raise ConfigError(f"{where}: user name {name!r}: letters, digits and ._@- only, at most 64")
        try:
            password = parse_hash(entry.password_hash)
        except ConfigError as exc:
            raise ConfigError(f"{where}: users.{name}.password_hash: {exc}") from exc
        users[name] = User(name, entry.agency, entry.role, password)
    return users


def _valid_name(name: str) -> bool:
    return re.fullmatch(_NAME_PATTERN, name) is not None


def load_users(path: Path | None) -> dict[str, User]:
    """The users of the file at ``path``; none when no file is configured (then only systems get in)."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the console users file {path}: {exc.strerror or exc}") from exc
    return users_from_toml(text, str(path))


class Authenticator:
    """Checks a user name and password. An unknown name is checked against a stand-in hash with the parameters
    of the file's first user (else the defaults), so the answer takes as long as for a known name."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = dict(users)
        first = next(iter(self.users.values()), None)
        params = (first.password.n, first.password.r, first.password.p) if first else None
        self._stand_in = hash_password("stand-in", n=params[0], r=params[1], p=params[2]) if params else None
        self._checks = asyncio.Semaphore(CONCURRENT_CHECKS)

    def check(self, name: str, password: str) -> User | None:
        """The user, when the name is known and the password is theirs; blocking (scrypt takes its time)."""
        user = self.users.get(name)
        stored = user.password if user is not None else self._stand_in
        if stored is None:  # no users at all: nothing to compare, nothing to leak
            return None
        matches = stored.matches(password)
        return user if matches and user is not None else None

    async def verify(self, name: str, password: str) -> User | None:
        """``check`` on a worker thread, at most ``CONCURRENT_CHECKS`` at a time (scrypt's memory is bounded)."""
        async with self._checks:
            return await asyncio.to_thread(self.check, name, password)
