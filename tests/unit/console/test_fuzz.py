"""The console's API fuzzed from its own OpenAPI document (schemathesis, a bounded number of examples per
operation): no request, however odd, gets a server error, and every answer matches what the document declares."""

from __future__ import annotations

import asyncio

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from hub.console.app import build_app
from hub.console.testing import console_rig, sample_alert

TOKEN = "polizei-token-5f1d0c9a7e"
RIG = console_rig(tokens={"polizei": TOKEN.encode()})
RIG.source.add(sample_alert("polizei", 1))
RIG.source.add(sample_alert("polizei", 1, revision=2, state="acknowledged"))
RIG.source.add(sample_alert("havag", 2))
APP = build_app(RIG.console)
asyncio.run(RIG.console.desk.publisher.connect())  # so /healthz answers 200 rather than its 503 "broker not yet"

#: The event stream never ends by itself; it has tests of its own (test_stream.py).
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP).exclude(path="/api/stream")


@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_request_as_its_openapi_document_says(case: schemathesis.Case) -> None:
    """Requests made from the document, as the police's system (bearer token): no server error, and answers of
    the declared status, type and schema."""
    # ignored_auth sends a forged cookie beside the valid token every request here carries, and so always "gets in";
    # requests without credentials are refused with 401 in test_sign_in.
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[ignored_auth])
