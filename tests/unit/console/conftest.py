"""The console's test rig: a console over the in-memory store and broker (``hub.console.testing``), and a browser
that talks to its ASGI app in process (httpx), keeping its cookies and CSRF token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from hub.console.app import build_app
from hub.console.testing import PASSWORD, ConsoleRig

T = TypeVar("T")

#: The console as a browser on the same machine reaches it (plain http to a loopback host: no Secure cookie).
BASE = "http://127.0.0.1:8480"


@dataclass
class Browser:
    """One person's browser: an httpx client on the app, with the CSRF token of its last sign-in."""

    client: httpx.AsyncClient
    csrf: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    async def sign_in(self, user: str, password: str = PASSWORD) -> httpx.Response:
        answer = await self.client.post("/api/session", json={"username": user, "password": password})
        if answer.status_code == 200:
            self.csrf = answer.json()["csrf_token"]
        return answer

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers, **kwargs)

    async def post(self, path: str, body: Any = None, headers: Mapping[str, str] | None = None) -> httpx.Response:
        sent = {**self.headers, **({"X-CSRF-Token": self.csrf} if self.csrf else {}), **(headers or {})}
        return await self.client.post(path, json=body, headers=sent)

    async def delete(self, path: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        sent = {**self.headers, **({"X-CSRF-Token": self.csrf} if self.csrf else {}), **(headers or {})}
        return await self.client.delete(path, headers=sent)


async def signed_in(open_browser: Callable[[], Browser], user: str) -> Browser:
    """A new browser, signed in as ``user``."""
    browser = open_browser()
    answer = await browser.sign_in(user)
    assert answer.status_code == 200, answer.text
    return browser


def run(rig: ConsoleRig, scenario: Callable[[Callable[[], Browser]], Awaitable[T]], base: str = BASE) -> T:
    """Run ``scenario`` on an event loop; it opens browsers with the function it is given."""

    async def go() -> T:
        app = build_app(rig.console)
        clients: list[httpx.AsyncClient] = []

        def browser() -> Browser:
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)
            clients.append(client)
            return Browser(client)

        try:
            return await scenario(browser)
        finally:
            for client in clients:
                await client.aclose()
            await rig.console.desk.publisher.close()

    return asyncio.run(go())
