"""Server-side sessions of signed-in people (a random id in the cookie, everything else here) and the limit on
failed sign-ins per user and address. Both live in the process's memory: a restart signs everyone out.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.console.users import User

__all__ = ["Session", "SessionStore", "SignInLimiter"]

Clock = Callable[[], float]


@dataclass(slots=True)
class Session:
    """One signed-in person: who, the token their state-changing requests must carry, when last seen."""

    user: User
    csrf_token: str
    last_seen: float
    created: float = field(default=0.0)


def _key(session_id: str) -> str:
    # Only a digest of the id is kept: a memory dump or a debugger does not hand out live cookies.
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Sessions by id; one ends after ``idle_s`` without a request, or on sign-out."""

    def __init__(self, idle_s: float, clock: Clock = time.monotonic, max_sessions: int = 10_000) -> None:
        self.idle_s = idle_s
        self.clock = clock
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # least recently seen first

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, user: User) -> tuple[str, Session]:
        """A new session for ``user``: (the id for the cookie, the session)."""
        self._expire()
        while len(self._sessions) >= self.max_sessions:
            self._sessions.popitem(last=False)
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now, now)
        self._sessions[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of that id (its idle time starts again), or None."""
        if not session_id:
            return None
        key = _key(session_id)
        session = self._sessions.get(key)
        now = self.clock()
        if session is None:
            return None
        if now - session.last_seen > self.idle_s:
            del self._sessions[key]
            return None
        session.last_seen = now
        self._sessions.move_to_end(key)
        return session

    def peek(self, session_id: str) -> Session | None:
        """The live session of that id without counting it as activity (an open event stream is not)."""
        session = self._sessions.get(_key(session_id))
        if session is None or self.clock() - session.last_seen > self.idle_s:
            return None
        return session

    def delete(self, session_id: str | None) -> None:
        """End a session (sign-out); an unknown id changes nothing."""
        if session_id:
            self._sessions.pop(_key(session_id), None)

    def _expire(self) -> None:
        now = self.clock()
        while self._sessions:
            key, oldest = next(iter(self._sessions.items()))
            if now - oldest.last_seen <= self.idle_s:
                break
            del self._sessions[key]


class SignInLimiter:
    """At most ``limit`` failed sign-ins per (user name, address) within ``window_s``; then refused until the
    oldest failure leaves the window. A success clears the pair's failures."""

    def __init__(
        self, limit: int = 5, window_s: float = 15 * 60.0, clock: Clock = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_keys = max_keys
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def retry_after(self, user: str, address: str) -> int | None:
        """Seconds until this pair may try again, or None when it may now."""
        failures = self._recent((user.casefold(), address))
        if failures is None or len(failures) < self.limit:
            return None
        return max(1, int(failures[0] + self.window_s - self.clock() + 0.999))

    def failed(self, user: str, address: str) -> None:
        """Count one failed sign-in."""
        key = (user.casefold(), address)
        failures = self._recent(key)
        if failures is None:
            while len(self._failures) >= self.max_keys:
                self._failures.popitem(last=False)
            failures = self._failures[key] = deque(maxlen=self.limit)
        failures.append(self.clock())
        self._failures.move_to_end(key)

    def succeeded(self, user: str, address: str) -> None:
        """Forget the pair's failures."""
        self._failures.pop((user.casefold(), address), None)

    def _recent(self, key: tuple[str, str]) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        cutoff = self.clock() - self.window_s
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
