"""The users file and the sign-in check: TOML users with agency, role and hash; an unknown user costs as much as a
wrong password."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.console.passwords import MIN_N, hash_password
from hub.console.users import Authenticator, load_users, users_from_toml
from hub.errors import ConfigError

HASH = str(hash_password("Leitstelle-2026!", n=MIN_N))


def users_file(*entries: str) -> str:
    """A users file of the given ``[users.<name>]`` tables."""
    return "\n".join(entries)


def entry(name: str, agency: str = "polizei", role: str = "einsatzleitstelle", password_hash: str = HASH) -> str:
    """One user's table."""
    return f'[users.{name}]\nagency = "{agency}"\nrole = "{role}"\npassword_hash = "{password_hash}"\n'


def test_users_are_read_with_agency_role_and_hash(tmp_path: Path) -> None:
    """Each user has an agency, a role and a hash; actions are signed ``<user> (<role>)``."""
    path = tmp_path / "users.toml"
    path.write_text(users_file(entry("mueller"), entry("schulze", "havag", "nachtdisponent")))
    users = load_users(path)
    assert sorted(users) == ["mueller", "schulze"]
    assert users["schulze"].agency == "havag"
    assert users["mueller"].by == "mueller (einsatzleitstelle)"
    assert users["mueller"].password.matches("Leitstelle-2026!")


def test_no_users_file_means_no_users() -> None:
    """Without HUB_CONSOLE_USERS nobody signs in (systems still can, with their tokens)."""
    assert load_users(None) == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (entry("mueller", agency="feuerwehr"), "users.mueller.agency"),
        (entry("mueller", role=""), "users.mueller.role"),
        (entry("mueller", role="lead (night)"), "users.mueller.role"),
        (entry("mueller", password_hash="plain-text"), "users.mueller.password_hash: not a scrypt hash"),
        ('[users."mül ler"]\nagency = "havag"\nrole = "x"\npassword_hash = "' + HASH + '"\n', "user name"),
        (entry("mueller") + 'colour = "red"\n', "users.mueller.colour"),
        ("[users.mueller\n", "not TOML"),
    ],
)
def test_a_wrong_users_file_names_the_user_and_key(text: str, says: str) -> None:
    """Unknown agencies, empty or parenthesised roles, plain passwords, odd names, unknown keys and broken TOML
    stop start-up with the place of the problem."""
    with pytest.raises(ConfigError, match=says):
        users_from_toml(text, "users.toml")


def test_an_unreadable_users_file_is_a_config_error(tmp_path: Path) -> None:
    """A missing file is named."""
    with pytest.raises(ConfigError, match="cannot read the console users file"):
        load_users(tmp_path / "missing.toml")


def test_sign_in_checks_the_password_and_unknown_users_cost_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The right password signs in; a wrong one and an unknown user do not, and both derive one scrypt key with
    the same parameters (so the time does not tell whether the name exists)."""
    users = users_from_toml(entry("mueller"), "users.toml")
    auth = Authenticator(users)
    derived: list[tuple[int, int, int]] = []
    real = type(users["mueller"].password).derive

    def spy(self: object, password: str) -> bytes:
        derived.append((self.n, self.r, self.p))  # type: ignore[attr-defined]
        return real(self, password)  # type: ignore[arg-type]

    monkeypatch.setattr(type(users["mueller"].password), "derive", spy)
    assert asyncio.run(auth.verify("mueller", "Leitstelle-2026!")) == users["mueller"]
    assert asyncio.run(auth.verify("mueller", "wrong")) is None
    assert asyncio.run(auth.verify("nobody", "Leitstelle-2026!")) is None
    assert derived == [(MIN_N, 8, 1)] * 3


def test_without_users_nobody_signs_in() -> None:
    """No users file: every sign-in fails."""
    assert asyncio.run(Authenticator({}).verify("admin", "admin")) is None
