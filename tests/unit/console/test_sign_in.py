"""Signing in and out over HTTP: the cookie's flags, the CSRF token, the sign-in limit with Retry-After, the pages
behind the session, the security headers on every answer, the body limit and /healthz."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.console.testing import console_rig
from tests.unit.console.conftest import Browser, run, signed_in


def test_sign_in_sets_an_httponly_strict_cookie_and_returns_the_csrf_token() -> None:
    """200 with user, agency, role and token; the cookie is HttpOnly and SameSite=Strict, not Secure on plain
    http to localhost; /api/me then answers the same."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        answer = await browser.sign_in("erika")
        assert answer.status_code == 200
        body = answer.json()
        assert body["user"] == "erika"
        assert body["agency"] == "polizei"
        assert body["role"] == "leitstelle"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("hub_session=")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" not in cookie
        me = await browser.get("/api/me")
        assert me.status_code == 200
        assert me.json() == body

    run(rig, scenario)


def test_the_cookie_is_secure_when_the_console_is_not_on_localhost() -> None:
    """Reached under a real host name (behind a TLS proxy), the cookie gets Secure."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        answer = await open_browser().sign_in("erika")
        assert "Secure" in answer.headers["set-cookie"]

    run(rig, scenario, base="http://console.halle.de")


def test_wrong_passwords_are_401_and_the_sixth_try_is_429_with_retry_after_even_when_right() -> None:
    """Five wrong passwords of one user from one address: 401 each; then 429 with Retry-After, also for the right
    password; another user from the same address still signs in."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        for _ in range(5):
            answer = await browser.sign_in("erika", "wrong password")
            assert answer.status_code == 401
            assert answer.json()["code"] == "unauthorized"
            assert "set-cookie" not in answer.headers
        limited = await browser.sign_in("erika")
        assert limited.status_code == 429
        assert limited.json()["code"] == "too_many_attempts"
        assert 0 < int(limited.headers["retry-after"]) <= 900
        assert (await browser.sign_in("hans")).status_code == 200

    run(rig, scenario)
    assert rig.registry.get_sample_value("hub_console_sign_ins_total", {"outcome": "refused"}) == 5
    assert rig.registry.get_sample_value("hub_console_sign_ins_total", {"outcome": "limited"}) == 1


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password() -> None:
    """Neither status nor words tell whether the name exists."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        unknown = await browser.sign_in("nobody", "wrong password")
        wrong = await browser.sign_in("erika", "wrong password")
        assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())

    run(rig, scenario)


def test_sign_out_needs_the_csrf_token_and_ends_the_session() -> None:
    """DELETE /api/session without the token is 403 and changes nothing; with it the cookie is cleared and the
    session is gone on the server (the old cookie no longer works)."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = await signed_in(open_browser, "erika")
        token, browser.csrf = browser.csrf, None
        refused = await browser.delete("/api/session")
        assert refused.status_code == 403
        assert refused.json()["code"] == "csrf"
        assert (await browser.get("/api/me")).status_code == 200
        cookie = browser.client.cookies["hub_session"]
        browser.csrf = token
        answer = await browser.delete("/api/session")
        assert answer.status_code == 204
        assert "Max-Age=0" in answer.headers["set-cookie"]
        browser.client.cookies.set("hub_session", cookie)
        assert (await browser.get("/api/me")).status_code == 401

    run(rig, scenario)


def test_sign_in_from_another_sites_page_is_refused() -> None:
    """A sign-in POST with a foreign Origin is 403 (no login CSRF)."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        browser.headers = {"Origin": "https://evil.example"}
        answer = await browser.client.post(
            "/api/session",
            json={"username": "erika", "password": "correct horse battery"},
            headers=browser.headers,
        )
        assert answer.status_code == 403
        assert answer.json()["code"] == "origin"

    run(rig, scenario)


@pytest.mark.parametrize("path", ["/api/me", "/api/alerts", "/api/network", "/api/stream", "/api/alerts/x"])
def test_the_api_needs_a_session_or_a_token(path: str) -> None:
    """Without credentials every API route answers 401 with a challenge."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        answer = await open_browser().get(path)
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthorized"
        assert answer.headers["www-authenticate"].startswith("Bearer")

    run(rig, scenario)


def test_pages_redirect_to_the_sign_in_page_until_signed_in() -> None:
    """/ and /alerts/<id> send a stranger to /login (and back there after signing in); signed in they are HTML;
    scripts and styles need no session."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        for path, to in (("/", "/login"), ("/alerts/al-polizei-1", "/login?next=/alerts/al-polizei-1")):
            answer = await browser.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == to
        assert (await browser.get("/login")).headers["content-type"].startswith("text/html")
        await browser.sign_in("erika")
        for path in ("/", "/alerts/al-polizei-1"):
            answer = await browser.get(path)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/html")
        css = await open_browser().get("/static/console.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        for name in ("board.html", "..%2Fusers.py", "missing.js"):
            assert (await browser.get(f"/static/{name}")).status_code == 404

    run(rig, scenario)


def test_every_answer_carries_the_security_headers() -> None:
    """A strict Content-Security-Policy (nothing from elsewhere, no frames), nosniff, no referrer; API answers are
    not cached."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        for answer in (await browser.get("/login"), await browser.get("/api/me"), await browser.get("/nowhere")):
            csp = answer.headers["content-security-policy"]
            assert "default-src 'self'" in csp
            assert "frame-ancestors 'none'" in csp
            assert "script-src 'self'" in csp
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "no-referrer"
        assert (await browser.get("/api/me")).headers["cache-control"] == "no-store"

    run(rig, scenario)


def test_a_body_over_the_limit_is_refused_before_any_handler() -> None:
    """A 70 KB sign-in is 413 ``too_large`` (the limit is 64 KiB), and it is not counted as a failed sign-in."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        answer = await open_browser().client.post("/api/session", json={"username": "erika", "password": "x" * 70_000})
        assert answer.status_code == 413
        assert answer.json()["code"] == "too_large"

    run(rig, scenario)
    assert rig.registry.get_sample_value("hub_console_sign_ins_total", {"outcome": "refused"}) == 0


def test_healthz_is_open_and_says_whether_database_and_broker_answer() -> None:
    """/healthz needs no credentials: 503 before the broker is connected or while the store is unreachable, 200
    when both answer."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = open_browser()
        first = await browser.get("/healthz")
        assert first.status_code == 503
        assert first.json() == {
            "status": "unavailable",
            "database": "ok",
            "broker": "not yet",
        }
        await rig.console.desk.publisher.connect()
        assert (await browser.get("/healthz")).json()["status"] == "ok"
        rig.source.reachable = False
        down = await browser.get("/healthz")
        assert down.status_code == 503
        assert down.json()["database"] == "unreachable"
        rig.source.reachable = True
        rig.console.broker = lambda: (False, "broker unreachable (127.0.0.1:9: Connection refused)")
        gone = await browser.get("/healthz")  # connected once, the broker gone since (it said ok: issue 14)
        assert gone.status_code == 503
        assert gone.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}

    run(rig, scenario)


def test_signing_in_again_ends_the_browsers_earlier_session() -> None:
    """A second sign-in in the same browser gets a new session id; the old id no longer works."""
    rig = console_rig()

    async def scenario(open_browser: Callable[[], Browser]) -> None:
        browser = await signed_in(open_browser, "erika")
        first = browser.client.cookies["hub_session"]
        await browser.sign_in("erika")
        assert browser.client.cookies["hub_session"] != first
        stale = open_browser()
        stale.client.cookies.set("hub_session", first)
        assert (await stale.get("/api/me")).status_code == 401

    run(rig, scenario)
