"""The connectors TOML file: every problem reported with the path of its key; `hub connectors validate`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hub.cli import main
from hub.connectors.config import load_config, parse_config
from hub.connectors.registry import load_types
from hub.errors import ConfigFileError
from hub.formats.registry import FORMATS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "connectors.toml"
TYPES = load_types([])


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigFileError) as err:
        parse_config(tomllib.loads(text), types=TYPES, formats=FORMATS, source="c.toml")
    return err.value.problems


def test_a_wrong_value_is_reported_with_its_key_path() -> None:
    """interval_s = 0 names connectors.<name>.interval_s and pydantic's reason."""
    found = problems(
        """
        [connectors.havag-vehicles]
        type = "http-poll"
        format = "replay-ndjson"
        url = "https://gtfsr.havag.example/vp.pb"
        interval_s = 0
        """
    )
    assert found == ["connectors.havag-vehicles.interval_s: Input should be greater than 0"]


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    """Unknown type, unknown format, misspelt key, a literal secret, nested and list paths: all in one report."""
    found = problems(
        """
        colour = "blue"
        [server]
        port = 70000
        [connectors.a]
        type = "ftp-poll"
        format = "replay-ndjson"
        [connectors.b]
        type = "file"
        format = "gtfs-static"
        path = "/x"
        [connectors.c]
        type = "folder"
        format = "replay-ndjson"
        path = "/in"
        intervall_s = 3
        [connectors.c2]
        type = "folder"
        format = "replay-ndjson"
        path = "/in"
        after = "move"
        [connectors.d]
        type = "webhook"
        format = "replay-ndjson"
        path = "/hook"
        auth = "bearer"
        secret = "plain-text-token"
        [connectors.e]
        type = "webhook"
        format = "replay-ndjson"
        path = "/hook2"
        auth = "hmac-sha256"
        secret = { env = "X", file = "/y" }
        content_types = ["application/xml", 5]
        [connectors."Bad Name"]
        type = "file"
        format = "replay-ndjson"
        path = "/z"
        """
    )
    known_types = ", ".join(sorted(TYPES))
    assert "colour: unknown top-level key (expected 'connectors' and optionally 'server')" in found
    assert "server.port: Input should be less than or equal to 65535" in found
    assert f"connectors.a.type: unknown connector type 'ftp-poll' (known: {known_types})" in found
    assert any(p.startswith("connectors.b.format: unknown format 'gtfs-static' (known: ") for p in found)
    assert "replay-ndjson" in next(p for p in found if p.startswith("connectors.b.format"))
    assert "connectors.c.intervall_s: Extra inputs are not permitted" in found
    assert "connectors.c2: Value error, move_to is required with after = 'move', and only then" in found
    assert "connectors.d.secret: Value error, give { env = NAME } or { file = PATH }, never the secret itself" in found
    assert "connectors.e.secret: Value error, give exactly one of env or file" in found
    assert "connectors.e.content_types[1]: Input should be a valid string" in found
    assert any(p.startswith("connectors.Bad Name: instance name must be lower-case") for p in found)
    assert len(found) == 10


def test_missing_type_and_empty_file_are_reported() -> None:
    """A table without type, and a file without connectors, each say what is missing."""
    assert problems('[connectors.x]\nformat = "replay-ndjson"\n') == ["connectors.x.type: Field required"]
    assert problems("") == ["connectors: no connector instances (add a [connectors.NAME] table)"]


def test_two_webhooks_on_one_path_clash() -> None:
    """Two webhook instances may not serve the same route of the one server."""
    table = 'type = "webhook"\nformat = "replay-ndjson"\npath = "/hook"\nauth = "bearer"\nsecret = {env = "T"}\n'
    found = problems(f"[connectors.a]\n{table}[connectors.b]\n{table}")
    assert found == ["connectors.b: route /hook is also served by connectors.a"]


def test_a_valid_file_gives_instances_with_options(tmp_path: Path) -> None:
    """A valid file loads into typed options, the format object and the server table."""
    path = tmp_path / "c.toml"
    path.write_text(
        '[server]\nport = 9000\n[connectors.x]\ntype = "file"\nformat = "replay-ndjson"\npath = "/data/a.ndjson"\n'
    )
    config = load_config(path, types=TYPES)
    x = config.instances["x"]
    assert (x.type.name, x.format.name, str(x.options.path)) == ("file", "replay-ndjson", "/data/a.ndjson")
    assert config.server.port == 9000
    with pytest.raises(Exception, match="defines no connector 'y' \\(defined: x\\)"):
        config.select(["x", "y"])


def test_toml_syntax_errors_are_reported_with_the_position(tmp_path: Path) -> None:
    """A TOML syntax error names the file and where it is."""
    path = tmp_path / "c.toml"
    path.write_text("[connectors.x]\ntype = \n")
    with pytest.raises(ConfigFileError, match=r"not valid TOML: .*line 2"):
        load_config(path, types=TYPES)


def test_validate_command_exits_1_with_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`hub connectors validate` prints each problem with its key path on stderr and exits 1."""
    path = tmp_path / "c.toml"
    path.write_text('[connectors.x]\ntype = "file"\nformat = "replay-ndjson"\npath = "/a"\nfollow = "often"\n')
    assert main(["connectors", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: 1 problem(s)" in err
    assert "connectors.x.follow: Input should be a valid boolean" in err


def test_validate_command_summarises_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid file exits 0 with one line per instance and notes (not errors) for secrets not present here."""
    path = tmp_path / "c.toml"
    path.write_text(
        '[connectors.hook]\ntype = "webhook"\nformat = "replay-ndjson"\npath = "/h"\nauth = "bearer"\n'
        'secret = { env = "HUB_TEST_SURELY_UNSET_SECRET" }\n'
    )
    assert main(["connectors", "validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "1 connector instance(s), all valid" in out
    assert "hook" in out
    assert "raw.replay.ndjson" in out
    assert "note: connectors.hook: secret environment variable HUB_TEST_SURELY_UNSET_SECRET is not set" in err


def test_the_shipped_example_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/connectors.toml validates and covers every built-in type (entries whose format is not registered
    yet are left out, and then the test says so by skipping at the end)."""
    doc = tomllib.loads(EXAMPLE.read_text())
    assert sorted(n for n, t in doc["connectors"].items() if t["format"] not in FORMATS) == []
    config = parse_config(doc, types=TYPES, formats=FORMATS, source=str(EXAMPLE))
    assert {i.type.name for i in config.instances.values()} == set(TYPES)
    assert main(["connectors", "validate", str(EXAMPLE)]) == 0
    assert f"{len(doc['connectors'])} connector instance(s), all valid" in capsys.readouterr().out


def test_an_option_the_format_cannot_serve_is_refused_by_validate() -> None:
    """follow_links with a format that reads no links could never fetch anything: refused when the file is checked,
    naming the instance, not only when the connector starts; with a format that reads links it is accepted."""
    instance = """
        [connectors.cap-index]
        type = "http-poll"
        format = "{fmt}"
        url = "https://warnung.example/index.atom"
        follow_links = 5
        """
    assert problems(instance.format(fmt="gtfsrt-vehicle-positions")) == [
        "connectors.cap-index: follow_links: format 'gtfsrt-vehicle-positions' reads no links from a document"
    ]
    config = parse_config(tomllib.loads(instance.format(fmt="cap")), types=TYPES, formats=FORMATS, source="c.toml")
    assert config.instances["cap-index"].options.follow_links == 5
