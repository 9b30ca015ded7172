"""Safe XML parsing for every XML format (CAP, SIRI, Open311): no DTDs, no entities, no external references.

defusedxml refuses entity expansion (billion laughs), external entities (XXE) and DTD retrieval; what it refuses
becomes an ``InvalidEventError`` with code ``unsafe_xml``, anything not well-formed or nested deeper than
``MAX_DEPTH`` ``malformed_xml``.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, check_size
from hub.schemas.common import parser_message

#: No feed nests deeper than about 20 (SIRI in SOAP); far deeper XML is refused when read, because ElementTree
#: writes (``tostring``) and copies recursively and would fail on it later, at a depth that depends on the caller.
MAX_DEPTH = 100


def parse_xml(document: bytes, limit: int | None = None) -> Element:
    """The root element of ``document``; InvalidEventError for oversized, unsafe, malformed or too deep XML."""
    check_size(document, limit or MAX_DOCUMENT_BYTES)
    root = _parse(document)
    # Fewer tags than the limit cannot nest deeper than it: most documents are not walked at all.
    if document.count(b"<") > MAX_DEPTH and _deeper_than(root, MAX_DEPTH):
        raise InvalidEventError(f"XML nested deeper than {MAX_DEPTH} elements", "malformed_xml")
    return root


def _deeper_than(root: Element, limit: int) -> bool:
    level, depth = [root], 1
    while level:
        if depth > limit:
            return True
        level = [child for element in level for child in element]
        depth += 1
    return False


def _parse(document: bytes) -> Element:
    try:
        return SafeET.fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidEventError(
            f"unsafe XML refused: {type(exc).__name__}: {parser_message(str(exc))}", "unsafe_xml"
        ) from exc
    except ParseError as exc:
        raise InvalidEventError(f"not well-formed XML: {parser_message(str(exc))}", "malformed_xml") from exc
    except LookupError as exc:
        # expat raises this, not ParseError, for an encoding declaration Python does not know (e.g. "UTF-88").
        raise InvalidEventError(
            f"XML declares an encoding Python does not know: {parser_message(str(exc))}", "undecodable"
        ) from exc
    except ValueError as exc:
        # ... and this for one it knows but cannot parse with (e.g. "rot13", "utf-32" without a BOM).
        raise InvalidEventError(
            f"not well-formed XML: unusable encoding declaration ({parser_message(str(exc))})", "malformed_xml"
        ) from exc


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
