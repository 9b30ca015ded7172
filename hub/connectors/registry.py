"""Every connector type the hub can run: the built-in ones and those that installed packages add through the
entry point group ``hub.connectors``. A type that cannot be loaded stops start-up with a message naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Literal

from hub.connectors.base import ConnectorClass, ConnectorOptions, PollingConnector, PushConnector
from hub.connectors.file import FileConnector
from hub.connectors.folder import FolderConnector
from hub.connectors.http_poll import HttpPollConnector
from hub.connectors.webhook import WebhookConnector
from hub.errors import ConfigError

ENTRY_POINT_GROUP = "hub.connectors"

BUILTIN: Mapping[str, ConnectorClass] = {
    "http-poll": HttpPollConnector,
    "webhook": WebhookConnector,
    "folder": FolderConnector,
    "file": FileConnector,
}


@dataclass(frozen=True)
class ConnectorType:
    """A connector type by name: its class and where it comes from (``built-in`` or ``package NAME VERSION``)."""

    name: str
    cls: ConnectorClass
    origin: str

    @property
    def kind(self) -> Literal["polling", "push"]:
        return "push" if issubclass(self.cls, PushConnector) else "polling"

    @property
    def options_model(self) -> type[ConnectorOptions]:
        return self.cls.options_model


def check_connector_class(name: str, obj: object, where: str) -> ConnectorClass:
    """``obj`` if it is a usable connector class; ConfigError saying what is wrong otherwise."""
    if not inspect.isclass(obj) or not issubclass(obj, PollingConnector | PushConnector):
        raise ConfigError(
            f"connector type {name!r} ({where}) is {obj!r}, not a subclass of PollingConnector or PushConnector"
        )
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        raise ConfigError(f"connector type {name!r} ({where}) does not implement {missing}")
    model = getattr(obj, "options_model", None)
    if not inspect.isclass(model) or not issubclass(model, ConnectorOptions):
        raise ConfigError(f"connector type {name!r} ({where}) has no options_model subclassing ConnectorOptions")
    return obj


def _origin(ep: EntryPoint) -> str:
    dist = ep.dist
    return f"package {dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"


def load_types(eps: Iterable[EntryPoint] | None = None) -> dict[str, ConnectorType]:
    """Built-in types plus every entry point of ``hub.connectors``; ConfigError on the first that fails."""
    types = {name: ConnectorType(name, cls, "built-in") for name, cls in BUILTIN.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP) if eps is None else eps:
        where = _origin(ep)
        if ep.name in types:
            raise ConfigError(
                f"connector type {ep.name!r} from {where} clashes with the one from {types[ep.name].origin}"
            )
        try:
            obj = ep.load()
        except Exception as exc:
            raise ConfigError(
                f"connector type {ep.name!r} from {where} failed to import ({ep.value}): {type(exc).__name__}: {exc}"
            ) from exc
        types[ep.name] = ConnectorType(ep.name, check_connector_class(ep.name, obj, where), where)
    return types
