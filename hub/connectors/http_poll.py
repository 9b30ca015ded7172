"""``http-poll``: GET a URL on an interval, with ETag / Last-Modified revalidation and an optional query cursor;
and its HTTP machinery for connector types of packages (``HttpSourceOptions``, ``HttpFetcher``, ``Fetched``,
``public_origin``: a public API, docs/connectors.md "The connector kit").

304 means nothing new. With ``cursor_param`` (Open311's ``updated_after``) the connector asks only for records
newer than the greatest record version it has produced, and keeps that cursor in its checkpoint. With
``follow_links`` an index that only links to documents (a CAP Atom/RSS index) is not passed on: the connector
fetches up to that many of the linked documents per poll, oldest-listed first, and keeps the links still to fetch
and those fetched in its checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, Self, runtime_checkable
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from pydantic import Field, HttpUrl, PositiveFloat, model_validator

from hub.connectors.auth import SecretRef
from hub.connectors.base import (
    ConnectorContext,
    ConnectorOptions,
    Document,
    Item,
    PollingConnector,
    PollResult,
    State,
)
from hub.errors import ConfigError, ConnectorError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, SourceRecord


class HttpSourceOptions(ConnectorOptions):
    """The options of a source fetched over HTTP: subclass it for a connector type of your own that uses
    ``HttpFetcher`` (add ``type`` and your keys)."""

    url: HttpUrl = Field(description="the feed's URL (no secrets in it: use bearer_token)")
    timeout_s: PositiveFloat = Field(default=10.0, description="limit for one request, connect to last byte")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers (not secret)")
    bearer_token: SecretRef | None = Field(default=None, description="sent as Authorization: Bearer")
    content_type: str | None = Field(default=None, description="use this instead of the server's Content-Type")


class HttpPollOptions(HttpSourceOptions):
    """Options of an ``http-poll`` instance."""

    type: Literal["http-poll"] = "http-poll"
    interval_s: PositiveFloat = Field(default=30.0, description="seconds between polls")
    cursor_param: str | None = Field(
        default=None, min_length=1, description="query parameter filled with the greatest record version produced"
    )
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


#: The state keys of a conditional request's validators (``ETag``, ``Last-Modified`` of the last answer).
VALIDATOR_HEADERS = {"etag": "ETag", "last_modified": "Last-Modified"}


@dataclass(frozen=True)
class Fetched:
    """One GET's answer: ``document`` (None when the server said 304, nothing new) and the ``validators`` to send
    with the next request for the same URL (``etag``, ``last_modified``; JSON, for a connector's state)."""

    document: Document | None
    validators: State

    @property
    def not_modified(self) -> bool:
        return self.document is None


class HttpFetcher:
    """GET with the hub's rules for HTTP sources, for ``http-poll`` and connector types of packages: the
    ``timeout_s`` of the options for the whole request, the bearer token and extra headers, conditional requests
    (``If-None-Match`` / ``If-Modified-Since`` from the last answer's validators, 304 = nothing new), the body read
    no further than one byte past the document limit (the runner dead-letters it as too large), an origin without
    credentials or query, and every failure as ``ConnectorError`` (``source_unavailable`` for a refused connection
    or a status other than 200 and 304, ``source_timeout``) that the runner retries with backoff.

    ``open()`` in the connector's ``setup``, ``close()`` in its ``close`` (idempotent); ``get`` in ``poll``.
    """

    def __init__(self, options: HttpSourceOptions) -> None:
        self.options = options
        self._session: aiohttp.ClientSession | None = None
        self._token: bytes | None = None

    async def open(self) -> None:
        """Resolve the bearer token (a missing secret stops start-up) and open the HTTP session."""
        if self.options.bearer_token is not None:
            self._token = self.options.bearer_token.resolve()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.options.timeout_s))

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _request_headers(self, validators: State, target: str) -> dict[str, str]:
        headers = dict(self.options.headers)
        # The bearer token goes to the configured URL's scheme, host and port only: a link elsewhere (an index's
        # entry, a redirect target named in a document) must not receive it.
        if self._token is not None and _same_origin(target, str(self.options.url)):
            headers["Authorization"] = "Bearer " + self._token.decode("utf-8")
        if isinstance(validators.get("etag"), str):
            headers["If-None-Match"] = validators["etag"]
        if isinstance(validators.get("last_modified"), str):
            headers["If-Modified-Since"] = validators["last_modified"]
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

    async def get(
        self, validators: State | None = None, *, url: str | None = None, params: Mapping[str, str] | None = None
    ) -> Fetched:
        """GET ``url`` (default: the options' ``url``) with ``params`` added to its query, conditional on
        ``validators`` (from the last ``Fetched`` of the same URL)."""
        if self._session is None:
            raise ConnectorError("HTTP fetcher used before open()", "source_unavailable")
        target = url or str(self.options.url)
        origin = public_origin(target)
        headers = self._request_headers(validators or {}, target)
        try:
            async with self._session.get(target, headers=headers, params=dict(params or {})) as resp:
                if resp.status == 304:
                    return Fetched(None, dict(validators or {}))
                if resp.status != 200:
                    raise ConnectorError(f"HTTP {resp.status} from {origin}", "source_unavailable")
                body = await self._read(resp)
                # The configured content type describes the configured URL's answers, not what it links to.
                given = self.options.content_type if target == str(self.options.url) else None
                content_type = given or resp.headers.get("Content-Type")
                fresh = {key: resp.headers[name] for key, name in VALIDATOR_HEADERS.items() if name in resp.headers}
        except TimeoutError as exc:
            raise ConnectorError(f"no answer from {origin} in {self.options.timeout_s:g} s", "source_timeout") from exc
        except aiohttp.ClientError as exc:
            raise ConnectorError(f"request to {origin} failed: {type(exc).__name__}", "source_unavailable") from exc
        media = content_type.split(";", 1)[0].strip() if content_type else None
        return Fetched(Document(body, media, origin), fresh)


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

    def __init__(self, options: HttpPollOptions, context: ConnectorContext) -> None:
        super().__init__(options, context)
        self.http = HttpFetcher(options)

    @classmethod
    def format_problems(cls, options: HttpPollOptions, fmt: object) -> list[str]:
        if options.follow_links and not isinstance(fmt, LinkedDocuments):
            name = getattr(fmt, "name", "?")
            return [f"follow_links: format {name!r} reads no links from a document"]
        return []

    async def setup(self) -> None:
        problems = self.format_problems(self.options, self.context.format)
        if problems:
            raise ConfigError("; ".join(problems))
        await self.http.open()

    async def close(self) -> None:
        await self.http.close()

    async def poll(self, state: State) -> PollResult:
        params: dict[str, str] = {}
        cursor = state.get("cursor")
        if self.options.cursor_param and isinstance(cursor, str):
            params[self.options.cursor_param] = cursor
        fetched = await self.http.get(state, params=params)
        if fetched.document is None:
            if self.options.follow_links:
                return await self._follow(None, state)  # links of an earlier index may still wait
            return PollResult([], state, self.options.interval_s, not_modified=True)
        new_state = {k: v for k, v in state.items() if k not in VALIDATOR_HEADERS} | fetched.validators
        document = fetched.document
        if len(document.body) > MAX_DOCUMENT_BYTES:
            return PollResult([document], new_state, self.options.interval_s)  # the runner refuses it as too large
        if self.options.follow_links:
            return await self._follow(document, new_state)
        if not self.options.cursor_param:
            return PollResult([document], new_state, self.options.interval_s)
        return self._with_cursor(document, new_state)

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
        """One linked document, with the index's timeout and headers (its bearer token only on the index's own
        origin, ``HttpFetcher``), unconditionally."""
        fetched = await self.http.get(None, url=link)
        if fetched.document is None:  # 304 to a request without validators: no document to pass on
            raise ConnectorError(f"HTTP 304 from linked document {public_origin(link)}", "source_unavailable")
        return fetched.document


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)
