"""The pages and their scripts and styles, shipped in ``hub/console/static/`` as package data (no build step, nothing
from a CDN): read once at start, answered from memory by name."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from fastapi.responses import Response

from hub.console.models import ApiError

__all__ = ["Pages"]

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
#: What ``/static/<name>`` serves; the HTML pages only come through their own routes.
_STATIC = (".js", ".css", ".svg")


class Pages:
    """Every file of the static folder, by name."""

    def __init__(self, folder: Traversable | None = None) -> None:
        root = folder if folder is not None else files("hub.console").joinpath("static")
        self.files: dict[str, bytes] = {
            entry.name: entry.read_bytes()
            for entry in root.iterdir()
            if entry.is_file() and any(entry.name.endswith(suffix) for suffix in _TYPES)
        }

    def _type(self, name: str) -> str:
        return next(kind for suffix, kind in _TYPES.items() if name.endswith(suffix))

    def page(self, name: str) -> Response:
        """An HTML page."""
        return Response(self.files[name], media_type=self._type(name), headers={"Cache-Control": "no-cache"})

    def static(self, name: str) -> Response:
        """A script, style sheet or image; 404 for anything else."""
        if name not in self.files or not name.endswith(_STATIC):
            raise ApiError(404, "not_found", f"no static file {name!r}")
        return Response(self.files[name], media_type=self._type(name), headers={"Cache-Control": "no-cache"})
