"""Cutting a SIRI document into its data elements, whatever wraps them: a bare ``Siri`` root, a SOAP envelope,
SIRI 1.x or 2.x, prefixed, default or no namespace, pushed (subscription) or polled (request/response).

Elements are found by local name, so namespaces never matter. Control messages (heartbeat, subscription and
status responses) give no records. A lost subscription must never look like a quiet feed: a
``SubscriptionTerminatedNotification``, a SOAP fault and any answer with ``Status`` false (a delivery, a
subscription or termination response, a data-ready or data-received acknowledgement) become ``source_failed`` with
the server's error text, so the connector counts an error and the dead-letter topic says why.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime, tzinfo
from xml.etree.ElementTree import Element, tostring

from hub.errors import InvalidEventError
from hub.formats.siri.values import clean_text, parse_datetime
from hub.formats.xml import child, local_name, parse_xml, text

#: Messages that carry no data and no error: the answer is simply "no records".
_CONTROL_MESSAGES = frozenset(
    {
        "HeartbeatNotification",
        "SubscribeResponse",
        "SubscriptionResponse",
        "CheckStatusResponse",
        "DataReadyNotification",
        "DataReadyAcknowledgement",
        "DataReceivedAcknowledgement",
        "TerminateSubscriptionResponse",
    }
)
#: Elements whose ``Status`` child reports success or failure of a whole answer (SIRI 2.1 siri_common_services.xsd).
_STATUS_HOLDERS = frozenset(
    {
        "ServiceDelivery",
        "ResponseStatus",  # in SubscriptionResponse
        "TerminationResponseStatus",  # in TerminateSubscriptionResponse
        "DataReadyAcknowledgement",
        "DataReceivedAcknowledgement",
        "HeartbeatNotification",
        "CheckStatusResponse",
    }
)
#: The server ended subscriptions on its own: whatever it says, no more data comes until they are renewed.
_TERMINATED = "SubscriptionTerminatedNotification"
#: The schema spells the error element of a termination notice ``ErrrorCondition`` (SIRI 2.1); servers copy it.
_ERROR_CONDITIONS = ("ErrorCondition", "ErrrorCondition")


@dataclass(frozen=True)
class Service:
    """One SIRI functional service as the hub takes it: its delivery element and the data element inside."""

    label: str  # e.g. "SIRI-SX", for reasons
    delivery: str  # e.g. "SituationExchangeDelivery"
    item: str  # e.g. "PtSituationElement"


def unwrap_soap(root: Element) -> Element:
    """The payload of a SOAP envelope (the first element in its Body), or ``root`` itself when not SOAP."""
    if local_name(root) != "Envelope":
        return root
    body = child(root, "Body")
    payload = next(iter(body), None) if body is not None else None
    if payload is None:
        raise InvalidEventError("SOAP envelope without a Body element", "malformed_xml")
    if local_name(payload) == "Fault":
        fault = clean_text(text(payload, "faultstring") or text(child(payload, "Reason"), "Text"))
        said = f"a fault text of {len(fault)} characters in the dead letter" if fault else "no fault text"
        raise InvalidEventError(f"SOAP Fault from the SIRI server: {said}", "source_failed")
    return payload


def _error_text(holder: Element) -> str:
    """The server's words for a failed answer: ErrorText, else Description, else the error element's name."""
    condition = next((el for el in holder.iter() if local_name(el) in _ERROR_CONDITIONS), None)
    if condition is None:
        return "no ErrorCondition given"
    for el in condition.iter():
        if local_name(el) in ("ErrorText", "Description") and clean_text(el.text):
            kinds = [local_name(c) for c in condition if local_name(c) not in ("Description", "ErrorText")]
            prefix = f"{kinds[0]}: " if kinds else ""
            return prefix + str(clean_text(el.text))
    kinds = [local_name(c) for c in condition]
    return kinds[0] if kinds else "empty ErrorCondition"


def _failed(holder: Element) -> bool:
    return (text(holder, "Status") or "").lower() == "false"


def is_delivery(element: Element) -> bool:
    """Whether ``element`` is a functional delivery (``VehicleMonitoringDelivery``), not one of the capability
    flags whose names also end in Delivery (``HasConfirmDelivery``, ``DirectDelivery``, each a bare boolean) nor
    the ``Delivery`` group that holds some of them."""
    name = local_name(element)
    flag = len(element) == 0 and (element.text or "").strip().lower() in ("true", "false", "0", "1")
    return name.endswith("Delivery") and name != "Delivery" and not flag


def _failure(elements: list[Element]) -> InvalidEventError | None:
    """A ``source_failed`` error for a subscription the server ended, or for the first answer element reporting
    ``Status`` false, if any."""
    for el in elements:
        name = local_name(el)
        if name == _TERMINATED:
            refs = sum(1 for ref in el.iter() if local_name(ref) == "SubscriptionRef")
            return InvalidEventError(
                f"SIRI {_TERMINATED}: the server ended {refs or 'its'} subscription(s) ({_error_text(el)}); "
                "no data comes until the subscription is renewed",
                "source_failed",
            )
        if (name in _STATUS_HOLDERS or is_delivery(el)) and _failed(el):
            return InvalidEventError(f"SIRI {name} reports Status=false: {_error_text(el)}", "source_failed")
    return None


def data_elements(document: bytes, service: Service) -> list[Element]:
    """The data elements of ``service`` in a SIRI document; [] for control messages; InvalidEventError otherwise."""
    payload = unwrap_soap(parse_xml(document))
    elements = list(payload.iter())
    items = [el for el in elements if local_name(el) == service.item]
    if items:
        return items
    deliveries = [el for el in elements if local_name(el) == service.delivery]
    failure = _failure(deliveries) or _failure(elements)
    if failure is not None:
        raise failure
    if deliveries:
        return []  # an empty delivery: nothing happened since the last one
    names = {local_name(el) for el in elements}
    if names & _CONTROL_MESSAGES:
        return []
    others = sorted({local_name(el) for el in elements if is_delivery(el)} - {"ServiceDelivery"})
    if others:
        raise InvalidEventError(
            f"the document carries {', '.join(others)}, not {service.delivery} ({service.label})", "unsupported"
        )
    if "ServiceDelivery" in names:
        return []  # a ServiceDelivery without any functional delivery: nothing to report
    answers = sorted(n for n in names if n.endswith(("CapabilitiesResponse", "CapabilityResponse")))
    if answers:
        raise InvalidEventError(
            f"the document is a capability answer ({answers[0]}), which describes a SIRI service but carries no "
            f"data; the connector must ask for {service.delivery} ({service.label})",
            "unsupported",
        )
    raise InvalidEventError(
        f"not a SIRI delivery: root element {local_name(payload)!r} holds no {service.delivery}", "malformed_xml"
    )


def response_time(document: bytes, naive_tz: tzinfo | None = None) -> datetime | None:
    """When the server answered: the newest ``ResponseTimestamp`` of the document (the ``ServiceDelivery``'s, or a
    functional delivery's), for the connector's stale-feed check; None when it has none that can be read (a local
    time without ``naive_tz`` included: no time rather than a guessed one)."""
    try:
        payload = unwrap_soap(parse_xml(document))
    except InvalidEventError:
        return None
    times = []
    for element in payload.iter():
        if local_name(element) == "ResponseTimestamp" and element.text:
            try:
                times.append(parse_datetime(element.text, "ResponseTimestamp", naive_tz))
            except InvalidEventError:
                continue
    return max(times, default=None)


def standalone(element: Element) -> bytes:
    """``element`` as its own XML document, namespaces declared on it, without the whitespace that followed it."""
    alone = copy.copy(element)  # shallow: shares children, but the tail is the copy's own
    alone.tail = None
    return tostring(alone, encoding="unicode").encode("utf-8")


def parse_record(record: bytes, service: Service) -> Element:
    """The data element of one raw record; ``malformed_xml`` when it is some other element."""
    root = parse_xml(record)
    if local_name(root) != service.item:
        raise InvalidEventError(
            f"a {service.label} record must be one {service.item} element, got {local_name(root)!r}", "malformed_xml"
        )
    return root


def content_digest(element: Element) -> str:
    """A SHA-256 (hex) of what ``element`` says: local names, attributes and trimmed texts in document order. The
    same content always gives the same digest, whatever the namespace prefixes and indentation of the document."""
    digest = hashlib.sha256()
    for el in element.iter():
        attributes = "\x1f".join(f"{k}={v}" for k, v in sorted(el.attrib.items()))
        digest.update(f"{local_name(el)}\x1e{attributes}\x1e{(el.text or '').strip()}\x1d".encode())
    return digest.hexdigest()


def descendants(element: Element, name: str) -> list[Element]:
    """Every element below ``element`` (at any depth) whose local name is ``name``, in document order."""
    return [el for el in element.iter() if el is not element and local_name(el) == name]


def path_text(element: Element, *path: str) -> str | None:
    """Text at a path of local names below ``element`` (first match at each step), stripped; None if absent."""
    current: Element | None = element
    for step in path[:-1]:
        current = child(current, step) if current is not None else None
    return text(current, path[-1]) if current is not None else None
