"""The worlds ``hub eval intercept`` measures in: a day and a night in Halle, and the variations of the sensitivity
table. Every figure here is an assumption, argued in docs/intercept.md ("Scenarios"); none is a measurement.

Pure data and small constructors; the evaluation itself is in ``hub.eval.intercept``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hub.network.roads import RoadGraphRouter
from hub.network.tram import TramNetwork, load_tram_network
from hub.network.travel import RoadProfile, RoadRouter, StraightLineRouter, UnitType
from hub.router.model import InterceptParams
from hub.sim.world import WorldConfig

__all__ = ["NIGHT_LINES", "SCENARIOS", "SENSITIVITY", "Scenario", "Variant", "road_params", "scenario_network"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A world to evaluate in: how trams run and units are spread, and which lines run (None: all)."""

    name: str
    summary: str
    config: WorldConfig
    lines: tuple[str, ...] | None = None


#: Lines assumed to run late in the evening: the trunk lines through the centre (HAVAG thins its network at night;
#: the exact night timetable is not in the data the hub ships).
NIGHT_LINES: Final = ("1", "2", "3", "5", "7", "8", "9", "10")

_NIGHT_MIX: Final[tuple[tuple[UnitType, str, float], ...]] = (
    ("police_car", "polizei", 0.60),
    ("on_foot", "polizei", 0.05),
    ("ordnungsamt_car", "ordnungsamt", 0.25),
    ("on_foot", "ordnungsamt", 0.10),
)

SCENARIOS: Final[dict[str, Scenario]] = {
    "day": Scenario(
        "day",
        "06-22 h, all 13 lines every 10-15 min, 150 units, 65 % available",
        WorldConfig(),  # its defaults are the day (hub.sim.world)
    ),
    "night": Scenario(
        "night",
        "22-04 h, 8 trunk lines every 30-60 min, 24 units, 40 % available",
        WorldConfig(
            service_start_s=22 * 3600.0,
            service_end_s=28 * 3600.0,
            headways_s=(1800.0, 3600.0),
            start_delay_s=(0.0, 120.0),  # little traffic: trams leave nearly on time
            run_factor=(0.9, 1.1),
            units=24,
            unit_mix=_NIGHT_MIX,
            available_share=0.40,  # most of the few cars are at jobs (night-time disturbances, accidents)
        ),
        NIGHT_LINES,
    ),
}


def scenario_network(scenario: Scenario, network: TramNetwork | None = None) -> TramNetwork:
    """The tram network of ``scenario``: ``network`` (default the shipped one) with only its lines."""
    network = network or load_tram_network()
    if scenario.lines is None:
        return network
    return TramNetwork([network.lines[name] for name in scenario.lines if name in network.lines])


def road_params(router: RoadGraphRouter, **kwargs: object) -> InterceptParams:
    """``InterceptParams`` on ``router`` with the lower bound that keeps the pruning exact (``crow_speed_kmh``)."""
    return InterceptParams(router=router, crow_speed_kmh=router.crow_speed_kmh(), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Variant:
    """One line of the sensitivity table: a change to the world and/or to the settings of the base run."""

    name: str
    config: Callable[[WorldConfig], WorldConfig] = lambda c: c
    params: Callable[[InterceptParams], InterceptParams] = lambda p: p


def _speeds(factor: float) -> Callable[[InterceptParams], InterceptParams]:
    def change(params: InterceptParams) -> InterceptParams:
        router: RoadRouter = params.router
        if isinstance(router, RoadGraphRouter):
            scaled = RoadGraphRouter(router.graph, router.speeds.scaled(factor))
            return dataclasses.replace(params, router=scaled, crow_speed_kmh=scaled.crow_speed_kmh())
        if isinstance(router, StraightLineRouter):
            profiles = {k: RoadProfile(p.speed_kmh * factor, p.detour_factor) for k, p in router.profiles.items()}
            return dataclasses.replace(params, router=StraightLineRouter(profiles))
        raise ValueError(f"cannot scale the speeds of {type(router).__name__}")

    return change


SENSITIVITY: Final = (
    Variant("base"),
    Variant("road speeds -20 %", params=_speeds(0.8)),
    Variant("road speeds +20 %", params=_speeds(1.2)),
    Variant("turnout 0 s", params=lambda p: dataclasses.replace(p, turnout_s=0.0)),
    Variant("turnout 90 s", params=lambda p: dataclasses.replace(p, turnout_s=90.0)),
    Variant(
        "positions 3x older",
        config=lambda c: dataclasses.replace(c, fix_age_s=(0.0, 90.0), vehicle_fix_age_s=(0.0, 45.0)),
    ),
    Variant("tram delay noise x2", config=lambda c: dataclasses.replace(c, run_factor=(0.7, 1.3))),
    Variant("max hold 0 s (no holds)", params=lambda p: dataclasses.replace(p, max_hold_s=0.0)),
    Variant("max hold 240 s", params=lambda p: dataclasses.replace(p, max_hold_s=240.0)),
)
