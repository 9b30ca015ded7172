"""The demo's narration of the router's answer: stop names, Halle's local time, what HAVAG's alert leaves out."""

from __future__ import annotations

from hub.intercept_demo import narrate


def test_times_are_told_in_halle_time_with_stop_names() -> None:
    """ETAs in UTC are shown as Europe/Berlin wall-clock times (winter: UTC+1), and stops by name and DHID."""
    police = {
        "vehicle": "654",
        "line": "2",
        "recommended_unit": "Leopard 12/1",
        "intercept_stop_dhid": "de:15002:3946",
        "unit_eta": "2026-11-20T21:50:00+00:00",
        "vehicle_eta": "2026-11-20T21:49:05Z",
    }
    havag = {"vehicle": "654", "line": "2", "hold_request": {"stop_dhid": "de:15002:3946", "max_hold_s": 95}}
    lines = narrate(police, havag)
    assert lines[1] == (
        "  -> police: send Leopard 12/1 to Halle (Saale), Mark-Twain-Str. (de:15002:3946), unit there 22:50:00, "
        "tram 22:49:05"
    )
    assert lines[2] == "  -> HAVAG: hold tram 654 at Halle (Saale), Mark-Twain-Str. (de:15002:3946) up to 95 s"
    assert lines[3] == "     HAVAG's alert names no unit and no caller"
