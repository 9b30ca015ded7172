"""The normalise worker: ``raw.*`` -> ``canon.<kind>`` by the format's mapper (``hub.streams.normalise``); records
that cannot be read, or observed further ahead of this worker's clock than ``HUB_MAX_FUTURE_HOURS``, ->
``dlq.normalise`` with their reason. Runs on the batch shell; the records of the raw topics that carry incidents are
handled and sent before the vehicle positions fetched with them (``hub.streams.normalise.BULK_TOPICS``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.config import Settings
from hub.formats.registry import load_formats
from hub.formats.settings import FORMAT_SETTINGS_HEADER
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.streams.normalise import BULK_TOPICS, FutureLimit, Normaliser
from hub.workers.batch import BatchShell, Outgoing


def settings_header(message: Message) -> bytes | None:
    """The record's ``hub_format_settings`` header (``hub.formats.settings``), None when it has none."""
    # Read as an attribute: every consumer's record has headers, the Message protocol leaves them out.
    for name, value in getattr(message, "headers", None) or ():
        if name == FORMAT_SETTINGS_HEADER:
            return bytes(value)
    return None


def normalise_stage(settings: Settings, metrics: StageMetrics) -> BatchShell:
    """raw.* (the built-in formats' and those of installed packages) -> canon.<kind>; bad records ->
    dlq.normalise."""
    normaliser = Normaliser(load_formats())
    topics = normaliser.topics
    shell = BatchShell(settings, "normalise", metrics, topics, first=[t for t in topics if t not in BULK_TOPICS])
    ahead = timedelta(hours=settings.max_future_hours)
    declared = shell.declared

    @shell.prepare
    async def normalise(messages: list[Message]) -> Outgoing:
        # One reading of the clock per batch (handled in well under a second; the tolerance is hours).
        refuse_future = FutureLimit(datetime.now(UTC), ahead)

        def mapped(message: Message) -> list[OutRecord]:
            records = normaliser.map(declared(message.topic), message.value or b"", settings_header(message))
            return [OutRecord(r.topic, r.key, r.value()) for r in refuse_future(records)]

        handled = shell.handle(messages, mapped)
        out = [record for _, records in handled.results for record in records]
        return Outgoing(out + handled.dead, produced=len(out))

    return shell
