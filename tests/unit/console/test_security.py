"""Who asks and may they: bearer tokens per domain, session cookies, the CSRF token and Origin check, the cookie's
flags, and the guard's headers and body limit."""

from __future__ import annotations

import pytest

from hub.console.models import ApiError
from hub.console.security import (
    Principal,
    check_same_origin,
    cookie_header,
    cookie_secure,
    find_principal,
    require_csrf,
)
from hub.console.sessions import SessionStore
from hub.console.testing import make_users

TOKENS = {"polizei": b"polizei-token-5f1d0c9a7e", "havag": b"havag-token-83b2e6417c0d"}
USER = make_users(erika="polizei")["erika"]


def test_a_bearer_token_opens_its_own_domain_as_a_system() -> None:
    """A domain's token gives that domain's system principal; a wrong or non-bearer value gets 401."""
    sessions = SessionStore(60)
    found = find_principal({"authorization": "Bearer havag-token-83b2e6417c0d"}, {}, sessions, TOKENS)
    assert (found.agency, found.role, found.session) == ("havag", "system", None)
    for value in ("Bearer guessed-token-0000000", "Basic aGFuczpwdw==", "Bearer "):
        with pytest.raises(ApiError) as caught:
            find_principal({"authorization": value}, {}, sessions, TOKENS)
        assert caught.value.status == 401


def test_a_session_cookie_gives_the_person_and_nothing_gives_401() -> None:
    """The cookie's session is the principal; a missing or unknown cookie is 401 with a challenge."""
    sessions = SessionStore(60)
    session_id, session = sessions.create(USER)
    found = find_principal({}, {"hub_session": session_id}, sessions, TOKENS)
    assert (found.name, found.agency, found.session) == ("erika", "polizei", session)
    for cookies in ({}, {"hub_session": "forged"}):
        with pytest.raises(ApiError) as caught:
            find_principal({}, cookies, sessions, TOKENS)
        assert caught.value.status == 401
        assert "WWW-Authenticate" in caught.value.headers


def test_state_changing_requests_of_people_need_the_csrf_token() -> None:
    """POST and DELETE of a person need X-CSRF-Token equal to the session's; GET does not; a system needs none."""
    sessions = SessionStore(60)
    _, session = sessions.create(USER)
    person = Principal("erika", "polizei", "leitstelle", session)
    require_csrf("GET", {}, person)
    require_csrf("POST", {"x-csrf-token": session.csrf_token}, person)
    for headers in ({}, {"x-csrf-token": "wrong"}, {"x-csrf-token": ""}):
        for method in ("POST", "DELETE", "PUT", "PATCH"):
            with pytest.raises(ApiError) as caught:
                require_csrf(method, headers, person)
            assert (caught.value.status, caught.value.code) == (403, "csrf")
    require_csrf("POST", {}, Principal("polizei-system", "polizei", "system"))


def test_an_origin_if_sent_must_be_the_console_itself() -> None:
    """Same host and port pass (whatever the scheme, a TLS proxy may sit in front); another site, a null origin or
    another port is refused; no Origin header is fine (older clients, same-origin GETs)."""
    check_same_origin({"host": "console.halle.de"})
    check_same_origin({"host": "console.halle.de", "origin": "https://console.halle.de"})
    check_same_origin({"host": "127.0.0.1:8480", "origin": "http://127.0.0.1:8480"})
    for origin in ("https://evil.example", "null", "https://console.halle.de:8443", "https://console.halle.de.evil"):
        with pytest.raises(ApiError) as caught:
            check_same_origin({"host": "console.halle.de", "origin": origin})
        assert (caught.value.status, caught.value.code) == (403, "origin")


def test_a_csrf_token_does_not_help_a_request_from_another_origin() -> None:
    """Even with the right token, a request whose Origin is another site is refused."""
    sessions = SessionStore(60)
    _, session = sessions.create(USER)
    person = Principal("erika", "polizei", "leitstelle", session)
    with pytest.raises(ApiError, match="another site"):
        require_csrf("POST", {"x-csrf-token": session.csrf_token, "origin": "https://evil.example"}, person)


@pytest.mark.parametrize(
    ("mode", "scheme", "host", "secure"),
    [
        ("auto", "http", "127.0.0.1:8480", False),
        ("auto", "http", "localhost:8480", False),
        ("auto", "http", "[::1]:8480", False),
        ("auto", "http", "console.halle.de", True),
        ("auto", "http", "10.1.2.3:8480", True),
        ("auto", "https", "127.0.0.1", True),
        ("always", "http", "127.0.0.1:8480", True),
        ("never", "https", "console.halle.de", False),
    ],
)
def test_the_cookie_is_secure_unless_plain_http_to_localhost(mode: str, scheme: str, host: str, secure: bool) -> None:
    """auto: Secure everywhere but plain http to a loopback host; always and never as they say."""
    assert cookie_secure(mode, scheme, host) is secure  # type: ignore[arg-type]


def test_the_session_cookie_is_httponly_and_samesite_strict() -> None:
    """The cookie is HttpOnly, SameSite=Strict, for the whole site; Max-Age 0 deletes it."""
    assert (
        cookie_header("abc", secure=True, max_age=None) == "hub_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure"
    )
    assert cookie_header("", secure=False, max_age=0) == "hub_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
