"""Safe XML parsing for every XML format (CAP, SIRI, Open311): no DTDs, no entities, no external references.

defusedxml refuses entity expansion (billion laughs), external entities (XXE) and DTD retrieval; what it refuses
becomes an ``InvalidEventError`` with code ``unsafe_xml``, anything not well-formed ``malformed_xml``.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, check_size


def parse_xml(document: bytes, limit: int | None = None) -> Element:
    """The root element of ``document``; InvalidEventError for oversized, unsafe or malformed XML."""
    check_size(document, limit or MAX_DOCUMENT_BYTES)
    try:
        return SafeET.fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidEventError(f"unsafe XML refused: {type(exc).__name__}: {exc}", "unsafe_xml") from exc
    except ParseError as exc:
        raise InvalidEventError(f"not well-formed XML: {exc}", "malformed_xml") from exc
    except LookupError as exc:
        # expat raises this, not ParseError, for an encoding declaration Python does not know (e.g. "UTF-88").
        raise InvalidEventError(f"XML declares an encoding Python does not know: {exc}", "undecodable") from exc
    except ValueError as exc:
        # ... and this for one it knows but cannot parse with (e.g. "rot13", "utf-32" without a BOM).
        raise InvalidEventError(f"not well-formed XML: unusable encoding declaration ({exc})", "malformed_xml") from exc


def local_name(element: Element) -> str:
    """The tag without its ``{namespace}``."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children whose local name is ``name`` (whatever their namespace)."""
    return [child for child in element if local_name(child) == name]


def child(element: Element, name: str) -> Element | None:
    """The first direct child named ``name``, or None."""
    found = children(element, name)
    return found[0] if found else None


def text(element: Element | None, name: str | None = None) -> str | None:
    """Stripped text of ``element`` (or of its first child ``name``); None when absent or empty."""
    target = element if name is None or element is None else child(element, name)
    if target is None or target.text is None:
        return None
    value = target.text.strip()
    return value or None
