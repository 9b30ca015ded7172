"""``http-poll``: GET a URL on an interval, with ETag / Last-Modified revalidation and an optional query cursor.

304 means nothing new. With ``cursor_param`` (Open311's ``updated_after``) the connector asks only for records
newer than the greatest record version it has produced, and keeps that cursor in its checkpoint. With
``follow_links`` an index that only links to documents (a CAP Atom/RSS index) is not passed on: the connector
fetches up to that many of the linked documents per poll, oldest-listed first, and keeps the links still to fetch
and those fetched in its checkpoint.
"""

from __future__ import annotations

from typing import Literal, Protocol, Self, runtime_checkable
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from pydantic import Field, HttpUrl, PositiveFloat, model_validator

from hub.connectors.auth import SecretRef
from hub.connectors.base import ConnectorOptions, Document, Item, PollingConnector, PollResult, State
from hub.errors import ConfigError, ConnectorError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, SourceRecord


class HttpPollOptions(ConnectorOptions):
    """Options of an ``http-poll`` instance."""

    type: Literal["http-poll"] = "http-poll"
    url: HttpUrl = Field(description="the feed's URL (no secrets in it: use bearer_token)")
    interval_s: PositiveFloat = Field(default=30.0, description="seconds between polls")
    timeout_s: PositiveFloat = Field(default=10.0, description="limit for one request, connect to last byte")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers (not secret)")
    bearer_token: SecretRef | None = Field(default=None, description="sent as Authorization: Bearer")
    cursor_param: str | None = Field(
        default=None, min_length=1, description="query parameter filled with the greatest record version produced"
    )
    content_type: str | None = Field(default=None, description="use this instead of the server's Content-Type")
    follow_links: int = Field(
        default=0,
        ge=0,
        le=100,
        description="for an index that only links to documents (CAP Atom/RSS): fetch up to this many linked "
        "documents per poll, each limited by timeout_s; 0 = pass the index on as it is",
    )

    @model_validator(mode="after")
    def _follow_links_without_cursor(self) -> Self:
        if self.follow_links and self.cursor_param:
            raise ValueError("follow_links and cursor_param exclude each other (an index has no record versions)")
        return self


@runtime_checkable
class LinkedDocuments(Protocol):
    """A format that reads the links of an index document (CAP: Atom/RSS that only link to alerts); None when the
    document is no such index."""

    def linked_documents(self, document: bytes) -> list[str] | None: ...


@runtime_checkable
class CursorValues(Protocol):
    """A format that says which value of a record an incremental poll's cursor may take ("" = none)."""

    def cursor_value(self, record: SourceRecord) -> str: ...


def public_origin(url: str) -> str:
    """The URL without credentials, query or fragment: safe to put into headers, logs and dead letters."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class HttpPollConnector(PollingConnector[HttpPollOptions]):
    """GET ``url`` every ``interval_s``; state: ``etag``, ``last_modified``, ``cursor``."""

    options_model = HttpPollOptions
    _session: aiohttp.ClientSession | None = None
    _token: bytes | None = None

    async def setup(self) -> None:
        if self.options.follow_links and not isinstance(self.context.format, LinkedDocuments):
            raise ConfigError(f"follow_links: format {self.context.format.name!r} reads no links from a document")
        if self.options.bearer_token is not None:
            self._token = self.options.bearer_token.resolve()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.options.timeout_s))

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _request_headers(self, state: State) -> dict[str, str]:
        headers = dict(self.options.headers)
        if self._token is not None:
            headers["Authorization"] = "Bearer " + self._token.decode("utf-8")
        if isinstance(state.get("etag"), str):
            headers["If-None-Match"] = state["etag"]
        if isinstance(state.get("last_modified"), str):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        """The body, but no more than one byte over the document limit: enough for the runner to refuse it as
        too large without holding a runaway body in memory."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_DOCUMENT_BYTES:
                break
        return b"".join(chunks)[: MAX_DOCUMENT_BYTES + 1]

    async def poll(self, state: State) -> PollResult:
        if self._session is None:
            raise ConnectorError("http-poll connector used before setup", "source_unavailable")
        url = str(self.options.url)
        origin = public_origin(url)
        params: dict[str, str] = {}
        cursor = state.get("cursor")
        if self.options.cursor_param and isinstance(cursor, str):
            params[self.options.cursor_param] = cursor
        try:
            async with self._session.get(url, headers=self._request_headers(state), params=params) as resp:
                if resp.status == 304:
                    return await self._not_modified(state)
                if resp.status != 200:
                    raise ConnectorError(f"HTTP {resp.status} from {origin}", "source_unavailable")
                body = await self._read(resp)
                content_type = self.options.content_type or resp.headers.get("Content-Type")
                new_state = dict(state)
                for key, header in (("etag", "ETag"), ("last_modified", "Last-Modified")):
                    if header in resp.headers:
                        new_state[key] = resp.headers[header]
                    else:
                        new_state.pop(key, None)
        except TimeoutError as exc:
            raise ConnectorError(f"no answer from {origin} in {self.options.timeout_s:g} s", "source_timeout") from exc
        except aiohttp.ClientError as exc:
            raise ConnectorError(f"request to {origin} failed: {type(exc).__name__}", "source_unavailable") from exc
        media = content_type.split(";", 1)[0].strip() if content_type else None
        document = Document(body, media, origin)
        return await self._hand_on(document, new_state)

    async def _not_modified(self, state: State) -> PollResult:
        if self.options.follow_links:
            return await self._follow(None, state)  # links of an earlier index may still wait
        return PollResult([], state, self.options.interval_s, not_modified=True)

    async def _hand_on(self, document: Document, state: State) -> PollResult:
        """The fetched document as the poll's result: whole, cut for the cursor, or its linked documents."""
        if len(document.body) > MAX_DOCUMENT_BYTES:
            return PollResult([document], state, self.options.interval_s)  # the runner refuses it as too large
        if self.options.follow_links:
            return await self._follow(document, state)
        if not self.options.cursor_param:
            return PollResult([document], state, self.options.interval_s)
        return self._with_cursor(document, state)

    def _with_cursor(self, document: Document, state: State) -> PollResult:
        # The cursor needs the records' versions, so this connector cuts the document itself; an unusable
        # document goes back to the runner whole (it dead-letters it) and the cursor stays where it was.
        try:
            records = self.context.format.split(document.body, document.content_type)
        except InvalidEventError:
            return PollResult([document], state, self.options.interval_s)
        fmt = self.context.format
        # A format may say which versions are cursor values (Open311: UTC times only); otherwise every version is.
        versions = [
            v for v in (fmt.cursor_value(r) if isinstance(fmt, CursorValues) else r.version for r in records) if v
        ]
        if versions:
            cursor = state.get("cursor")
            newest = max(versions)
            state = {**state, "cursor": newest if not isinstance(cursor, str) else max(cursor, newest)}
        items: list[Item] = list(records)
        return PollResult(
            items, state, self.options.interval_s, origin=document.origin, content_type=document.content_type
        )

    async def _follow(self, index: Document | None, state: State) -> PollResult:
        """The linked documents of ``index`` (None: the index did not change), up to ``follow_links`` of them; a
        document that is no index goes on as it is. A linked document that cannot be fetched stays first in line:
        the poll fails (counted, backed off) when it was the first, else the poll ends with what it fetched."""
        fmt = self.context.format
        links = fmt.linked_documents(index.body) if index is not None and isinstance(fmt, LinkedDocuments) else None
        if index is not None and links is None:
            return PollResult([index], state, self.options.interval_s)
        pending = [link for link in state.get("pending", []) if isinstance(link, str)]
        followed = [link for link in state.get("followed", []) if isinstance(link, str)]
        if links is not None:
            # Links the index no longer lists are gone (the alert expired); new ones queue in the index's order.
            usable = [link for link in (urljoin(str(self.options.url), lk) for lk in links) if _is_http(link)]
            current = set(usable)
            followed = [link for link in followed if link in current]
            pending = [link for link in pending if link in current]
            pending += [link for link in usable if link not in followed and link not in pending]
        documents: list[Item] = []
        for link in pending[: self.options.follow_links]:
            try:
                documents.append(await self._get_linked(link))
            except ConnectorError:
                if not documents:
                    raise
                break
            followed.append(link)
        new_state = {**state, "pending": pending[len(documents) :], "followed": followed}
        return PollResult(documents, new_state, self.options.interval_s, not_modified=index is None and not documents)

    async def _get_linked(self, link: str) -> Document:
        """One linked document, with the index's timeout and headers; its bearer token only on the index's own
        scheme, host and port (a link elsewhere must not receive it)."""
        assert self._session is not None  # poll checked it
        headers = dict(self.options.headers)
        if self._token is not None and _same_origin(link, str(self.options.url)):
            headers["Authorization"] = "Bearer " + self._token.decode("utf-8")
        origin = public_origin(link)
        try:
            async with self._session.get(link, headers=headers) as resp:
                if resp.status != 200:
                    raise ConnectorError(f"HTTP {resp.status} from linked document {origin}", "source_unavailable")
                body = await self._read(resp)
                content_type = resp.headers.get("Content-Type")
        except TimeoutError as exc:
            raise ConnectorError(f"no answer from {origin} in {self.options.timeout_s:g} s", "source_timeout") from exc
        except aiohttp.ClientError as exc:
            raise ConnectorError(f"request to {origin} failed: {type(exc).__name__}", "source_unavailable") from exc
        media = content_type.split(";", 1)[0].strip() if content_type else None
        return Document(body, media, origin)


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)
