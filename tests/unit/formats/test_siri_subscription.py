"""SIRI answers that say a subscription is lost or refused are ``source_failed`` dead letters with the server's
words, never an empty result (which a connector cannot tell from a quiet feed); capability answers and flags are
named as what they are."""

from __future__ import annotations

import pytest

from hub.errors import InvalidEventError
from hub.formats.siri import SiriSxFormat, SiriVmFormat

NS = "http://www.siri.org.uk/siri"
ERROR = "<ErrorCondition><OtherError><ErrorText>Abo abgelaufen</ErrorText></OtherError></ErrorCondition>"


def refusal(document: str) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(document.encode())
    return info.value


@pytest.mark.parametrize(
    ("answer", "holder"),
    [
        (
            f"<SubscriptionResponse><ResponseStatus><Status>false</Status>{ERROR}</ResponseStatus>"
            "</SubscriptionResponse>",
            "ResponseStatus",
        ),
        (
            f"<TerminateSubscriptionResponse><TerminationResponseStatus><Status>false</Status>{ERROR}"
            "</TerminationResponseStatus></TerminateSubscriptionResponse>",
            "TerminationResponseStatus",
        ),
        (
            f"<DataReadyAcknowledgement><Status>false</Status>{ERROR}</DataReadyAcknowledgement>",
            "DataReadyAcknowledgement",
        ),
        (
            f"<DataReceivedAcknowledgement><Status>false</Status>{ERROR}</DataReceivedAcknowledgement>",
            "DataReceivedAcknowledgement",
        ),
    ],
)
def test_a_status_false_answer_is_source_failed_with_the_error_text(answer: str, holder: str) -> None:
    """Each answer SIRI gives a Status to: Status=false is a dead letter naming the answer and the error."""
    error = refusal(f'<Siri xmlns="{NS}">{answer}</Siri>')
    assert (error.code, error.reason) == (
        "source_failed",
        f"SIRI {holder} reports Status=false: OtherError: Abo abgelaufen",
    )


@pytest.mark.parametrize(
    "answer",
    [
        "<SubscriptionResponse><ResponseStatus><Status>true</Status></ResponseStatus></SubscriptionResponse>",
        "<TerminateSubscriptionResponse><TerminationResponseStatus><Status>true</Status>"
        "</TerminationResponseStatus></TerminateSubscriptionResponse>",
        "<DataReadyAcknowledgement><Status>true</Status></DataReadyAcknowledgement>",
        "<DataReceivedAcknowledgement><Status>true</Status></DataReceivedAcknowledgement>",
    ],
)
def test_the_same_answers_with_status_true_give_no_records(answer: str) -> None:
    """Successful control answers carry no data and no error."""
    assert SiriSxFormat().split(f'<Siri xmlns="{NS}">{answer}</Siri>'.encode()) == []


def test_a_terminated_subscription_is_source_failed_whatever_its_status() -> None:
    """The server ending subscriptions on its own is a failure even without an error: no data comes any more.
    The schema's misspelt ErrrorCondition is read like ErrorCondition."""
    error = refusal(
        f"""<Siri xmlns="{NS}"><SubscriptionTerminatedNotification>
<ResponseTimestamp>2026-11-20T06:00:00Z</ResponseTimestamp>
<SubscriberRef>hub</SubscriberRef><SubscriptionRef>sx-1</SubscriptionRef>
<SubscriberRef>hub</SubscriberRef><SubscriptionRef>sx-2</SubscriptionRef>
<ErrrorCondition><ServiceNotAvailableError/><Description>Neustart</Description></ErrrorCondition>
</SubscriptionTerminatedNotification></Siri>"""
    )
    assert (error.code, error.reason) == (
        "source_failed",
        "SIRI SubscriptionTerminatedNotification: the server ended 2 subscription(s) "
        "(ServiceNotAvailableError: Neustart); no data comes until the subscription is renewed",
    )


def test_a_terminated_subscription_without_details_still_says_so() -> None:
    """A bare notice: no count and no error given, the reason still names the termination."""
    error = refusal(f'<SubscriptionTerminatedNotification xmlns="{NS}"/>')
    assert error.reason == (
        "SIRI SubscriptionTerminatedNotification: the server ended its subscription(s) (no ErrorCondition given); "
        "no data comes until the subscription is renewed"
    )


def test_a_capability_answer_is_named_not_reported_as_carrying_its_flags() -> None:
    """Capability flags end in Delivery (HasConfirmDelivery, DirectDelivery) but are no deliveries: the reason
    names the capability answer (before: "carries DirectDelivery, FetchedDelivery, HasConfirmDelivery")."""
    answer = f"""<VehicleMonitoringCapabilitiesResponse xmlns="{NS}">
<ResponseTimestamp>2026-11-20T06:00:00Z</ResponseTimestamp><Status>true</Status>
<VehicleMonitoringServiceCapabilities><GeneralInteraction>
<Delivery><DirectDelivery>true</DirectDelivery><FetchedDelivery>false</FetchedDelivery></Delivery>
<HasConfirmDelivery>false</HasConfirmDelivery></GeneralInteraction></VehicleMonitoringServiceCapabilities>
</VehicleMonitoringCapabilitiesResponse>"""
    with pytest.raises(InvalidEventError) as info:
        SiriVmFormat().split(answer.encode())
    assert info.value.code == "unsupported"
    assert info.value.reason.startswith(
        "the document is a capability answer (VehicleMonitoringCapabilitiesResponse), which describes a SIRI "
        "service but carries no data"
    )
    assert "Delivery," not in info.value.reason
