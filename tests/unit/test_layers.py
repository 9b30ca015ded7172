"""The package map of docs/architecture.md, enforced: no import goes up a layer, no import cycle between modules or
packages, and the pure cores load no broker, database or HTTP library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.layering import Layers, check, external_closure, package_modules

ROOT = Path(__file__).resolve().parents[2] / "hub"

#: The layers of hub from the bottom (docs/architecture.md draws them). A module belongs to the layer of its longest
#: matching prefix and may import only its own layer and those below.
HUB_LAYERS = Layers(
    (
        (
            "base",
            (
                "hub.errors",
                "hub.config",
                "hub.metrics",
                "hub.health",
                "hub.topology",
                "hub.deadletter",
                "hub.retry",
                "hub.messages",
                "hub.kafka_admin",
                "hub.kafka_produce",
                "hub.kafka_read",
                "hub.kafka_security",
                "hub.offsets",
                "hub.data",
            ),
        ),
        ("schemas", ("hub.schemas",)),
        ("domain", ("hub.network", "hub.formats", "hub.privacy")),
        ("store", ("hub.store",)),
        ("core", ("hub.streams", "hub.router", "hub.reports")),
        (
            "shells",
            (
                "hub.logging",
                "hub.workers",
                "hub.connectors",
                "hub.acks_http",
                "hub.console",
                "hub.jobs",
                "hub.reports.run",
                "hub.devstack",
                "hub.processes",
            ),
        ),
        (
            "entry",
            (
                "hub",
                "hub.__main__",
                "hub.cli",
                "hub.alerts_cli",
                "hub.demo",
                "hub.intercept_demo",
                "hub.samples",
                "hub.sim",
                "hub.eval",
            ),
        ),
    )
)

#: What a pure module (schemas, domain and core layers, and base but for the Kafka helpers) must not load.
DRIVERS = ("faust", "mode", "aiokafka", "kafka", "psycopg", "psycopg_pool", "aiohttp")
#: Base modules that are themselves the Kafka boundary (they are not imported by any pure module).
DRIVER_MODULES = ("hub.kafka_admin", "hub.kafka_produce", "hub.kafka_read", "hub.kafka_security")


def pure_modules() -> list[str]:
    """Every module of the schemas, domain and core layers, and the base modules that are not a driver boundary."""
    found = []
    for module in package_modules(ROOT):
        layer = HUB_LAYERS.of(module)
        assert layer is not None, f"{module} has no layer"
        if layer[1] in ("schemas", "domain", "core") or (layer[1] == "base" and module not in DRIVER_MODULES):
            found.append(module)
    return sorted(found)


def test_hub_imports_only_down_and_has_no_cycles() -> None:
    """Every module of hub has a layer, imports only its own layer or below, and no modules or packages import
    each other in a cycle."""
    report = check(ROOT, HUB_LAYERS)
    assert report.unassigned == [], "modules without a layer: add them to HUB_LAYERS and docs/architecture.md"
    assert report.upward == []
    assert report.module_cycles == []
    assert report.package_cycles == []


@pytest.mark.parametrize("module", pure_modules())
def test_pure_modules_import_no_driver(module: str) -> None:
    """Importing a pure module (schemas, formats, network, privacy, the stage cores) loads no broker, database or
    HTTP client, by the package's own import graph."""
    loaded = external_closure(ROOT, module)
    assert {name: via for name, via in loaded.items() if name in DRIVERS} == {}


def test_importing_the_cores_loads_no_driver_at_run_time() -> None:
    """The same, measured: a fresh interpreter that imports the router core, the normalise and pseudonymise cores
    and every other pure module has none of the drivers in ``sys.modules`` (third-party imports included)."""
    code = (
        "import importlib, sys\n"
        f"for m in {pure_modules()!r}: importlib.import_module(m)\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(DRIVERS)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
    assert "hub.router.core" in pure_modules()


# --- the checker itself, on a small fake package -------------------------------------------------------------------

FAKE_LAYERS = Layers((("bottom", ("pkg.low",)), ("top", ("pkg", "pkg.high", "pkg.one", "pkg.two"))))


def _fake(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", "low/__init__.py": "", "high/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_checker_accepts_downward_and_type_checking_imports(tmp_path: Path) -> None:
    """A module that imports a lower layer, and an upward import only under TYPE_CHECKING, pass."""
    root = _fake(
        tmp_path,
        {
            "low/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high.b import B\n",
            "high/b.py": "from pkg.low import a\nfrom ..low.a import *\nclass B: ...\n",
        },
    )
    report = check(root, FAKE_LAYERS)
    assert report.ok, report


def test_checker_reports_an_upward_import_even_inside_a_function(tmp_path: Path) -> None:
    """An import from a lower layer to a higher one is named with its line, also as a late import."""
    root = _fake(
        tmp_path,
        {"low/a.py": "def f():\n    from pkg.high import b\n    return b\n", "high/b.py": "x = 1\n"},
    )
    report = check(root, FAKE_LAYERS)
    assert report.upward == ["pkg.low.a (bottom) imports pkg.high.b (top) at a.py:2: a layer above"]


def test_checker_reports_relative_upward_imports(tmp_path: Path) -> None:
    """Relative imports are resolved before they are judged."""
    root = _fake(tmp_path, {"low/a.py": "from ..high import b\n", "high/b.py": ""})
    assert len(check(root, FAKE_LAYERS).upward) == 1


def test_checker_reports_module_and_package_cycles(tmp_path: Path) -> None:
    """Two modules of one layer that import each other form a cycle; so do two packages whose modules import
    across in both directions, even when no single module pair does."""
    root = _fake(
        tmp_path,
        {
            "high/b.py": "from pkg.high import c\n",
            "high/c.py": "import pkg.high.b\n",
            "one/__init__.py": "",
            "one/x.py": "from pkg.two import y\n",
            "one/z.py": "",
            "two/__init__.py": "",
            "two/y.py": "",
            "two/w.py": "from pkg.one import z\n",
        },
    )
    report = check(root, FAKE_LAYERS)
    assert report.module_cycles == [["pkg.high.b", "pkg.high.c"]]
    assert report.package_cycles == [["pkg.one", "pkg.two"]]


def test_checker_names_modules_without_a_layer(tmp_path: Path) -> None:
    """A new package that nobody placed in a layer fails the check until it is placed."""
    root = _fake(tmp_path, {"other/__init__.py": ""})
    layers = Layers((("bottom", ("pkg.low",)), ("top", ("pkg.high",))))
    assert check(root, layers).unassigned == ["pkg", "pkg.other"]


def test_external_closure_follows_the_package_to_third_party_imports(tmp_path: Path) -> None:
    """A pure module that reaches a driver through another module of the package is caught, naming that module."""
    root = _fake(tmp_path, {"low/a.py": "from pkg.low import b\n", "low/b.py": "import psycopg.rows\n"})
    assert external_closure(root, "pkg.low.a") == {"psycopg": "pkg.low.b"}
