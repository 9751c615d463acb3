"""Deeply nested JSON gets a 400 that names the problem, at every endpoint that reads JSON.

Without a bound, a 2 KB body of brackets makes the decoder recurse until it fails with a 500.
"""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from entitlements import services as entitlement_services
from entitlements.services import catalogue_load
from portal.core.jsonlimits import MAX_JSON_DEPTH, json_depth_exceeds
from tests.factories import StaffFactory, UserFactory, grant
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
BODIES = {
    "top-level": DEEP,
    "in-a-field": '{"reports": ' + DEEP + ', "installation_id": ' + DEEP + "}",
}
NAMES_THE_PROBLEM = re.compile(r"nests deeper than \d+ levels")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class TestDepth:
    def test_the_limit_itself_is_allowed_one_more_is_not(self):
        assert not json_depth_exceeds(nested(MAX_JSON_DEPTH))
        assert json_depth_exceeds(nested(MAX_JSON_DEPTH + 1))

    def test_objects_and_arrays_count_alike(self):
        body = '{"a": ' * 20 + "[" * 13 + "]" * 13 + "}" * 20

        assert json_depth_exceeds(body)
        assert not json_depth_exceeds(body, limit=33)

    def test_brackets_inside_strings_do_not_count(self):
        body = '{"subject": "' + "[{" * 500 + '\\"[[[", "items": [{"a": 1}, {"b": [2]}]}'

        assert not json_depth_exceeds(body)

    def test_wide_is_not_deep(self):
        body = "[" + ",".join(['{"a": [1, 2, {"b": []}]}'] * 50_000) + "]"

        assert not json_depth_exceeds(body)

    def test_a_few_unmatched_brackets_are_left_to_the_parser_to_name(self):
        assert not json_depth_exceeds('{"a": [1, 2}')
        assert not json_depth_exceeds("]]]]")

    def test_brackets_never_closed_count_as_deep(self):
        """A parser descends into each before it notices that the body ends."""
        assert json_depth_exceeds("[" * 1000)
        assert json_depth_exceeds('{"a": ' * 40)
        assert json_depth_exceeds("[}" * 100)

    def test_a_stray_escape_cannot_hide_the_closing_brackets(self):
        assert json_depth_exceeds("[" * 1000 + '\\"' + '"' + "]" * 1000 + '"')


def json_write_operations() -> list[tuple[str, str]]:
    """Every operation of the OpenAPI schema that takes a JSON body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                found.append((method, path))
    return found


@pytest.fixture
def ticket_id(db) -> str:
    """A request of the customer, so the endpoints on a ticket get as far as reading the body."""
    catalogue_load()
    owner = UserFactory(email="owner@example.com", country="US")
    grant(owner, "premium")
    return ticket_services.ticket_create(
        customer=owner,
        product="professional",
        version="21.2",
        category="technical",
        subject="Backup fails",
        description="Every night.",
    ).ticket.ticket_id


@pytest.fixture
def clients(ticket_id) -> dict[str, Client]:
    customer, staff = Client(), Client()
    customer.force_login(UserFactory(email="owner@example.com"))
    staff.force_login(StaffFactory(is_superuser=True))
    return {"customer": customer, "staff": staff}


def test_the_schema_lists_the_api_endpoints_that_read_json():
    paths = {path for _method, path in json_write_operations()}

    assert {
        "/api/v1/tickets/",
        "/api/v1/entitlements/check",
        "/api/v1/orders/claim",
        "/api/v1/staff/tickets/{ticket_id}/replies/",
    } <= paths


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize(("method", "path"), json_write_operations())
def test_every_api_endpoint_refuses_deep_nesting(clients, ticket_id, method, path, body):
    client = clients["staff" if "/staff/" in path else "customer"]
    client.raise_request_exception = False
    url = path.replace("{ticket_id}", ticket_id)

    response = getattr(client, method)(url, body, content_type="application/json")

    assert response.status_code == 400, (path, response.status_code)
    assert NAMES_THE_PROBLEM.search(response.json()["detail"])


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/telemetry/reports",
        "/api/v1/telemetry/opt-out",
        "/api/v1/telemetry/opt-in",
    ],
)
def test_the_usage_report_endpoints_refuse_deep_nesting(client, path, body):
    client.raise_request_exception = False

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert NAMES_THE_PROBLEM.search(response.json()["detail"])


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_signed_order_notification_that_nests_too_deep_is_refused(client, body):
    client.raise_request_exception = False
    raw = body.encode()

    response = client.post(
        "/webhooks/orders/",
        raw,
        content_type="application/json",
        headers={"X-Order-Signature": entitlement_services.order_signature(raw)},
    )

    assert response.status_code == 400
    assert NAMES_THE_PROBLEM.search(response.json()["error"])


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_inbound_mail_webhook_refuses_deep_nesting(client, settings, body):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "inbound:secret"}
    client.raise_request_exception = False
    auth = "Basic " + base64.b64encode(b"inbound:secret").decode()

    response = client.post(
        "/anymail/postmark/inbound/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )

    assert response.status_code == 400
    assert NAMES_THE_PROBLEM.search(response.content.decode())
