"""The normalise worker: ``raw.*`` -> ``canon.<kind>`` by the format's mapper (``hub.streams.normalise``); records
that cannot be read, or observed further ahead of this worker's clock than ``HUB_MAX_FUTURE_HOURS``, ->
``dlq.normalise`` with their reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.streams.normalise import MAPPERS, refuse_future
from hub.workers.shell import EventStream, StageShell


def normalise_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """raw.* -> canon.<kind>; bad records -> dlq.normalise."""
    shell = StageShell(settings, "normalise", metrics)
    ahead = timedelta(hours=settings.max_future_hours)

    def mapped(message: Message) -> list[OutRecord]:
        mapped = MAPPERS[shell.declared(message.topic)](message.value or b"")
        records = refuse_future(mapped, datetime.now(UTC), ahead)
        return [OutRecord(r.topic, r.key, r.value()) for r in records]

    @shell.agent(list(MAPPERS), name="normalise")
    async def normalise(stream: EventStream) -> None:
        async for messages in shell.batches(stream):
            handled = shell.handle(messages, mapped)
            out = [record for _, records in handled.results for record in records]
            await shell.send_all(out + handled.dead, produced=len(out))

    return shell
