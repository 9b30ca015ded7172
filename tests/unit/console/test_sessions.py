"""Server-side sessions (random ids, idle limit, sign-out) and the sign-in limit (5 failures per user and address in
15 minutes, then refused with the seconds to wait)."""

from __future__ import annotations

from hub.console.sessions import SessionStore, SignInLimiter
from hub.console.testing import make_users


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


USER = make_users(erika="polizei")["erika"]


def test_a_session_has_a_random_id_and_csrf_token_and_is_found_by_its_id_only() -> None:
    """Two sessions of one user get different long ids and tokens; only the id finds the session, and the store
    keeps a digest of it, not the id itself."""
    store = SessionStore(idle_s=60)
    first_id, first = store.create(USER)
    second_id, second = store.create(USER)
    assert first_id != second_id
    assert first.csrf_token != second.csrf_token
    assert len(first_id) >= 43
    assert len(first.csrf_token) >= 43
    assert store.get(first_id) is first
    assert store.get(second_id) is second
    assert store.get(first.csrf_token) is None
    assert store.get("") is None
    assert store.get(None) is None
    assert first_id not in repr(store._sessions)


def test_a_session_ends_after_the_idle_limit_and_each_request_restarts_it() -> None:
    """A request within the limit keeps the session; one after the limit finds it gone."""
    clock = Clock()
    store = SessionStore(idle_s=60, clock=clock)
    session_id, _ = store.create(USER)
    clock.now += 59
    assert store.get(session_id) is not None
    clock.now += 59
    assert store.get(session_id) is not None, "the last request restarted the idle time"
    clock.now += 61
    assert store.get(session_id) is None
    assert len(store) == 0


def test_peek_does_not_count_as_activity() -> None:
    """An open event stream looks at its session without keeping it alive."""
    clock = Clock()
    store = SessionStore(idle_s=60, clock=clock)
    session_id, _ = store.create(USER)
    for _ in range(5):
        clock.now += 20
        store.peek(session_id)
    assert store.peek(session_id) is None
    assert store.get(session_id) is None


def test_sign_out_ends_the_session() -> None:
    """After delete the id finds nothing; deleting an unknown id is harmless."""
    store = SessionStore(idle_s=60)
    session_id, _ = store.create(USER)
    store.delete(session_id)
    store.delete("unknown")
    assert store.get(session_id) is None


def test_sessions_are_bounded() -> None:
    """Past the limit the least recently seen session goes first."""
    store = SessionStore(idle_s=60, max_sessions=2)
    oldest, _ = store.create(USER)
    newer, _ = store.create(USER)
    store.get(oldest)
    store.create(USER)
    assert store.get(oldest) is not None
    assert store.get(newer) is None


def test_five_failures_per_user_and_address_lock_them_out_for_the_rest_of_the_window() -> None:
    """The sixth attempt within 15 minutes is refused with the seconds until the first failure leaves the window;
    another address or another user is not affected; a success clears the failures."""
    clock = Clock()
    limiter = SignInLimiter(clock=clock)
    for _minute in range(5):
        assert limiter.retry_after("mueller", "10.0.0.7") is None
        limiter.failed("mueller", "10.0.0.7")
        clock.now += 60
    assert limiter.retry_after("mueller", "10.0.0.7") == 15 * 60 - 5 * 60
    assert limiter.retry_after("MUELLER", "10.0.0.7") is not None, "the user name is compared case-insensitively"
    assert limiter.retry_after("mueller", "10.0.0.8") is None
    assert limiter.retry_after("schulze", "10.0.0.7") is None
    clock.now += 10 * 60
    assert limiter.retry_after("mueller", "10.0.0.7") is None, "the first failure has left the window"
    limiter.failed("mueller", "10.0.0.7")
    assert limiter.retry_after("mueller", "10.0.0.7") is not None
    limiter.succeeded("mueller", "10.0.0.7")
    assert limiter.retry_after("mueller", "10.0.0.7") is None


def test_the_limiter_forgets_the_oldest_pairs_past_its_bound() -> None:
    """A flood of user names from many addresses cannot grow the limiter without bound."""
    limiter = SignInLimiter(max_keys=3)
    for n in range(10):
        limiter.failed(f"user{n}", "10.0.0.1")
    assert len(limiter._failures) == 3
