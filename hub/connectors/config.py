"""The connectors' configuration file: one TOML table per connector instance, validated by each type's model.

Every problem is reported with the path of the key at fault (``connectors.havag-vehicles.interval_s: Input
should be greater than 0``), all at once, so one ``hub connectors validate`` run shows everything to fix. An
instance's ``format_settings`` table is validated by its format's settings model (``hub.formats.settings``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.connectors.auth import SecretRef
from hub.connectors.base import AnyConnector, ConnectorContext, ConnectorOptions, PushConnector
from hub.connectors.cutting import stale_check_problem
from hub.connectors.registry import ConnectorType, load_types
from hub.errors import ConfigError, ConfigFileError
from hub.formats.base import Format
from hub.formats.registry import FormatType
from hub.formats.settings import BUILTIN_SETTINGS, FORMAT_SETTINGS_KEY, FormatSettings

#: What a format is looked up as: a loaded format type (``hub.formats.registry.load_formats``) or a bare format
#: (tests; a built-in one then has its built-in settings).
FormatEntry = Format | FormatType

#: Instance names become checkpoint file names, metric labels and header values: keep them plain.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class ServerOptions(BaseModel):
    """The ``[server]`` table: where ``hub connectors run`` serves the webhook routes of its instances."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8080, ge=0, le=65535, description="port; 0 picks a free one (logged)")


@dataclass(frozen=True)
class InstanceConfig:
    """One validated connector instance."""

    name: str
    type: ConnectorType
    options: ConnectorOptions
    format: Format
    #: The instance's ``format_settings`` as the ``hub_format_settings`` header value; None when it has none.
    format_settings: bytes | None = None

    def build(self, context: ConnectorContext | None = None) -> AnyConnector:
        """The connector object (no I/O happens before its ``setup``)."""
        ctx = context or ConnectorContext(self.name, self.format, lambda: datetime.now(UTC))
        return self.type.cls(self.options, ctx)

    def secrets(self) -> list[SecretRef]:
        """The secret references among the instance's options (top-level keys)."""
        return [
            v for v in (getattr(self.options, f) for f in type(self.options).model_fields) if isinstance(v, SecretRef)
        ]


@dataclass(frozen=True)
class ConnectorsConfig:
    """A validated configuration file."""

    source: str
    server: ServerOptions
    instances: Mapping[str, InstanceConfig]

    def select(self, names: Sequence[str]) -> list[InstanceConfig]:
        """The named instances; ConfigError naming any that the file does not define."""
        unknown = [n for n in names if n not in self.instances]
        if unknown:
            known = ", ".join(sorted(self.instances)) or "none"
            raise ConfigError(f"{self.source} defines no connector {', '.join(map(repr, unknown))} (defined: {known})")
        return [self.instances[n] for n in dict.fromkeys(names)]


def key_path(*parts: str | int) -> str:
    """``connectors.x.content_types[0]``: dotted keys, list indexes in brackets."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _validation_problems(prefix: tuple[str, ...], exc: ValidationError) -> list[str]:
    return [f"{key_path(*prefix, *err['loc'])}: {err['msg']}" for err in exc.errors()]


def parse_config(
    doc: Mapping[str, Any],
    *,
    types: Mapping[str, ConnectorType],
    formats: Mapping[str, FormatEntry],
    source: str = "<config>",
) -> ConnectorsConfig:
    """Validate a parsed TOML document; ConfigFileError listing every problem."""
    problems: list[str] = []
    for key in doc:
        if key not in ("connectors", "server"):
            problems.append(f"{key}: unknown top-level key (expected 'connectors' and optionally 'server')")
    server = ServerOptions()
    try:
        server = ServerOptions.model_validate(doc.get("server", {}))
    except ValidationError as exc:
        problems += _validation_problems(("server",), exc)
    tables = doc.get("connectors")
    instances: dict[str, InstanceConfig] = {}
    if not isinstance(tables, dict) or not tables:
        problems.append("connectors: no connector instances (add a [connectors.NAME] table)")
        tables = {}
    for name, table in tables.items():
        where = ("connectors", name)
        if not NAME_PATTERN.match(name):
            problems.append(
                f"{key_path(*where)}: instance name must be lower-case letters, digits, '.', '_' or '-' "
                "(at most 63, starting with a letter or digit)"
            )
        if not isinstance(table, dict):
            problems.append(f"{key_path(*where)}: must be a table")
            continue
        instance, found = _parse_instance(name, table, types, formats)
        problems += found
        if instance is not None:
            instances[name] = instance
    problems += _route_clashes(instances)
    if problems:
        raise ConfigFileError(source, problems)
    return ConnectorsConfig(source, server, instances)


def _parse_instance(
    name: str, table: dict[str, Any], types: Mapping[str, ConnectorType], formats: Mapping[str, FormatEntry]
) -> tuple[InstanceConfig | None, list[str]]:
    where = ("connectors", name)
    problems: list[str] = []
    table = dict(table)
    settings_table = table.pop(FORMAT_SETTINGS_KEY, None)
    type_name = table.get("type")
    ctype = types.get(type_name) if isinstance(type_name, str) else None
    if type_name is None:
        problems.append(f"{key_path(*where, 'type')}: Field required")
    elif ctype is None:
        problems.append(
            f"{key_path(*where, 'type')}: unknown connector type {type_name!r} (known: {', '.join(sorted(types))})"
        )
    format_name = table.get("format")
    entry = formats.get(format_name) if isinstance(format_name, str) else None
    if format_name is not None and entry is None:
        problems.append(
            f"{key_path(*where, 'format')}: unknown format {format_name!r} (known: {', '.join(sorted(formats))})"
        )
    if ctype is None:
        return None, problems
    try:
        options = ctype.options_model.model_validate(table)
    except ValidationError as exc:
        return None, problems + _validation_problems(where, exc)
    if entry is None:
        return None, problems
    fmt, spec = (
        (entry.format, entry.settings) if isinstance(entry, FormatType) else (entry, BUILTIN_SETTINGS.get(entry.name))
    )
    misfits = _format_misfits(where, ctype, options, fmt)
    if misfits:
        return None, problems + misfits
    if settings_table is None:
        return InstanceConfig(name, ctype, options, fmt), problems
    configured, found = _format_settings(where, fmt, spec, settings_table)
    if configured is None:
        return None, problems + found
    return InstanceConfig(name, ctype, options, *configured), problems


def _format_misfits(where: tuple[str, ...], ctype: ConnectorType, options: ConnectorOptions, fmt: Format) -> list[str]:
    """What of the instance's options its format cannot serve: a stale check that could never fire, and what the
    type itself finds (``format_problems``)."""
    stale = stale_check_problem(ctype.cls, fmt, options.stale_after_s)
    if stale is not None:
        return [f"{key_path(*where, 'stale_after_s')}: {stale}"]
    return [f"{key_path(*where)}: {problem}" for problem in ctype.cls.format_problems(options, fmt)]


def _format_settings(
    where: tuple[str, ...], fmt: Format, spec: FormatSettings | None, table: object
) -> tuple[tuple[Format, bytes] | None, list[str]]:
    """The format configured by an instance's ``format_settings`` and their header value, or the problems."""
    at = key_path(*where, FORMAT_SETTINGS_KEY)
    if spec is None:
        return None, [f"{at}: format {fmt.name!r} takes no settings"]
    if not isinstance(table, dict):
        return None, [f"{at}: must be a table"]
    try:
        settings = spec.validate(table)
        return (spec.configure(settings), spec.header(settings)), []
    except ValidationError as exc:
        return None, _validation_problems((*where, FORMAT_SETTINGS_KEY), exc)
    except ConfigError as exc:
        return None, [f"{at}: {exc}"]


def _route_clashes(instances: Mapping[str, InstanceConfig]) -> list[str]:
    served: dict[str, str] = {}
    problems = []
    for name, instance in instances.items():
        if instance.type.kind != "push":
            continue
        connector = instance.build()
        assert isinstance(connector, PushConnector)
        for route in connector.routes():
            if route.path in served:
                other = served[route.path]
                problems.append(
                    f"{key_path('connectors', name)}: route {route.path} is also served by connectors.{other}"
                )
            served.setdefault(route.path, name)
    return problems


def load_config(
    path: Path, *, types: Mapping[str, ConnectorType] | None = None, formats: Mapping[str, FormatEntry] | None = None
) -> ConnectorsConfig:
    """Read and validate a connectors file (types default to the registry, formats to the format registry with
    the formats of installed packages)."""
    if formats is None:
        from hub.formats.registry import load_formats

        formats = load_formats()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigFileError(str(path), [f"not valid TOML: {exc}"]) from exc
    return parse_config(doc, types=load_types() if types is None else types, formats=formats, source=str(path))
