"""``hub eval intercept --report DIR``: one self-contained HTML page with the figures, the distributions, the
sensitivity table and a map of example intercepts on the streets, credited to OpenStreetMap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.eval.intercept import evaluate, main
from hub.eval.report import pick_examples, render_report
from hub.eval.scenarios import road_params
from hub.network.roads import default_road_router
from hub.sim.world import build_world


def test_report_is_one_self_contained_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "day", "--incidents", "12", "--seed", "4", "--report", str(tmp_path / "r")]) == 0
    assert f"report written to {tmp_path / 'r' / 'index.html'}" in capsys.readouterr().out
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert page.rstrip().endswith("</html>")
    # Nothing fetched: no scripts, no links or sources, no URL in any attribute.
    assert not re.search(r"<script|<link|<img|\bsrc=|\bhref=|url\(", page)
    assert "routed baseline" in page
    assert "naive dispatch" in page
    assert page.count("<svg") == 2  # the distributions, the map
    assert "© OpenStreetMap contributors, ODbL" in page


def test_examples_are_stop_meetings_ours_won_by_a_minute() -> None:
    router = default_road_router()
    params = road_params(router)
    result = evaluate(4, 30, params=params)
    examples = pick_examples(result, build_world(4), router)
    assert 1 <= len(examples) <= 3
    for ex in examples:
        assert ex.ours_route[-1] == ex.meeting
        assert ex.routed_route[-1] == ex.reported
        assert len(ex.ours_route) > 2  # the unit's position, road nodes, the stop
    page = render_report({"day": result}, {"day": "test"}, {}, examples, router)
    assert page.count("<circle") == len(examples)


def test_without_the_road_router_there_is_no_map() -> None:
    result = evaluate(4, 10)
    page = render_report({"day": result}, {"day": "test"}, {}, [], None)
    assert page.count("<svg") == 1
    assert "Example intercepts" not in page
