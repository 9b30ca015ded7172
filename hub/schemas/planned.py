"""Canonical planned events: an open-air concert, a market, a football match, a demonstration announced ahead.

Organisers publish them (an iCalendar feed, most often); HAVAG plans extra trams, the Ordnungsamt its presence and
the police their patrols. One ``PlannedEvent`` is one occurrence: a recurring market is one event per day. Updates
carry the same ``event_id`` and a higher ``sequence`` (or the same sequence and a later ``modified_at``); the store
keeps the latest state only, so a cancellation ends the event as ``cancelled``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from hub.schemas.common import HubModel, Latitude, Longitude, NonEmptyStr, StopDhid, Timestamp
from hub.schemas.sensitivity import Sensitive

__all__ = ["EventOrganiser", "EventPlace", "EventPosition", "PlannedEvent", "PlannedEventStatus"]

PlannedEventStatus = Literal["tentative", "confirmed", "cancelled"]
"""As the organiser says it (iCalendar ``STATUS``); an event without a status is ``confirmed``."""


class EventOrganiser(HubModel):
    """Who organises the event: the organisation is public, the contact person behind it is not."""

    name: str | None = Field(default=None, max_length=256, description="the organisation, as it publishes itself")
    contact_name: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=256)
    contact_phone: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=64)
    contact_email: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=256)


class EventPosition(HubModel):
    """The venue's position (iCalendar ``GEO``): a point, e.g. the stage or the market square's centre."""

    lat: Latitude
    lon: Longitude


class EventPlace(HubModel):
    """Where the event takes place: the venue as announced, its position if known, and the stops nearest it."""

    name: str | None = Field(default=None, max_length=512, description="venue as announced, e.g. 'Peißnitzinsel'")
    position: EventPosition | None = None
    nearest_stops: list[StopDhid] = Field(
        default_factory=list, max_length=8, description="stops nearest the venue, nearest first (DHIDs)"
    )


class PlannedEvent(HubModel):
    """One occurrence of an event announced by its organiser (iCalendar VEVENT, or one instance of a recurring one)."""

    event_id: NonEmptyStr = Field(
        description="the source's id of the occurrence: the iCalendar UID, with '/' and the occurrence's start in "
        "UTC for one instance of a recurring event"
    )
    title: str = Field(min_length=1, max_length=512, description="the event's public title")
    description: Annotated[str | None, Sensitive("personal")] = Field(
        default=None, max_length=4000, description="the organiser's free text; may name people"
    )
    organiser: EventOrganiser | None = None
    place: EventPlace | None = None
    starts_at: Timestamp = Field(description="start, with the offset of the venue's local time")
    ends_at: Timestamp | None = Field(default=None, description="end; none when the organiser gave none")
    all_day: bool = Field(default=False, description="a date-only event: starts_at is local midnight")
    expected_attendance: int | None = Field(default=None, ge=0, le=10_000_000, description="people expected")
    status: PlannedEventStatus
    sequence: int = Field(ge=0, description="the source's revision (iCalendar SEQUENCE): higher replaces lower")
    modified_at: Timestamp | None = Field(
        default=None, description="when the source last changed it (LAST-MODIFIED, else DTSTAMP): the tiebreak"
    )

    @field_validator("ends_at")
    @classmethod
    def _period_ordered(cls, ends_at: datetime | None, info: ValidationInfo) -> datetime | None:
        starts_at = info.data.get("starts_at")  # absent when starts_at itself was invalid
        if ends_at is not None and starts_at is not None and ends_at < starts_at:
            raise PydanticCustomError("period_reversed", "ends_at is before starts_at")
        return ends_at
