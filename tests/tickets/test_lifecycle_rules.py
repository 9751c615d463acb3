"""Rules every request path shares: the version lifecycle, assignment across teams when a
team lacks a skill, and a proposal to close unresolved that lasts only while nobody writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from entitlements.models import Category
from entitlements.services import EntitlementRefused
from partners import services as partner_services
from partners.models import MemberRole
from portal.core.errors import ApplicationError
from tests.factories import UserFactory, grant
from tests.partners.conftest import OrganisationFactory, level, member
from tests.tickets.conftest import engineer
from tests.tickets.test_api import SUBMISSION_QUERIES
from tickets import links, services
from tickets.models import Message, Resolution, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

RETIRED = "20.2"  # major 20's last supported day is 18 September 2026
WITHDRAWN = "closure proposal withdrawn"


def request_fields(**overrides) -> dict:
    return {
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "subject": "Backup job fails",
        "description": "Since the update the nightly job fails.",
        **overrides,
    }


def page_text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(content).split())


def customer_refusal(customer, version: str) -> ApplicationError:
    """What a customer's own request for ``version`` is answered with."""
    with pytest.raises(EntitlementRefused) as refused:
        services.ticket_create(customer=customer, **request_fields(version=version))
    return refused.value


# --- The version lifecycle on every path ----------------------------------------------------


@pytest.fixture
def certified(releases):
    return OrganisationFactory(name="Certified Reseller GmbH", level=level("certified"))


@pytest.fixture
def tech(certified):
    return member(certified, MemberRole.TECHNICAL, "tech@reseller.example", name="Tom Tech")


def open_postsales(user, version: str):
    return partner_services.postsales_ticket_open(
        user=user,
        product="professional",
        version=version,
        subject="Customer's nightly job fails",
        description="Error 0x80070005 at Acme since the update.",
    )


class TestVersionLifecycleOnEveryPath:
    def test_a_post_sales_request_for_a_retired_version_is_refused_like_a_customers(
        self, tech, premium_customer, us_engineer
    ):
        """The version lifecycle applies to partners' post-sales requests too: same rule,
        same message, same code as a customer's request."""
        expected = customer_refusal(premium_customer, RETIRED)

        with pytest.raises(ApplicationError) as refused:
            open_postsales(tech, RETIRED)

        assert refused.value.code == "version-unsupported" == expected.code
        assert refused.value.message == expected.message
        assert "was supported until" in refused.value.message
        assert not Ticket.objects.exists()

    def test_the_partner_page_shows_the_refusal_and_opens_nothing(self, client, tech, us_engineer):
        client.force_login(tech)

        response = client.post(
            "/partners/post-sales/new/",
            {
                "product": "professional",
                "version": RETIRED,
                "subject": "Customer's nightly job fails",
                "description": "Error at Acme.",
                "language": "en",
            },
        )

        assert response.status_code == 200
        assert f"Version {RETIRED} of NovaBACKUP Professional was supported until" in (
            page_text(response)
        )
        assert not Ticket.objects.exists()

    def test_a_post_sales_request_for_a_supported_version_is_opened(self, tech, us_engineer):
        ticket = open_postsales(tech, "21.2").ticket

        assert (ticket.category, ticket.version) == (Category.POST_SALES, "21.2")
        assert ticket.assignee == us_engineer

    def test_support_ends_with_the_last_day_of_the_partners_team_calendar(self, tech, us_engineer):
        """The last supported day is a day of the team calendar, as for customers: 20:00 in
        Los Angeles on 18 September is still that day, though UTC is a day further."""
        with time_machine.travel(datetime(2026, 9, 19, 3, 0, tzinfo=UTC), tick=False):
            ticket = open_postsales(tech, RETIRED).ticket
        day_after = datetime(2026, 9, 19, 8, 0, tzinfo=UTC)  # 01:00 on 19 September in LA
        with (
            time_machine.travel(day_after, tick=False),
            pytest.raises(ApplicationError) as refused,
        ):
            open_postsales(tech, RETIRED)

        assert ticket.version == RETIRED
        assert refused.value.code == "version-unsupported"

    def test_an_unknown_version_is_still_refused_by_name(self, tech, us_engineer):
        with pytest.raises(ApplicationError) as refused:
            open_postsales(tech, "9.9")

        assert refused.value.code == "unknown-version"
        assert "has no version 9.9" in refused.value.message

    def test_a_pre_sales_request_without_a_version_is_about_the_latest_one(
        self, certified, us_engineer
    ):
        sales = member(certified, MemberRole.SALES, "sales@reseller.example")

        ticket = services.ticket_open_for_partner(
            customer=sales,
            organisation_id=certified.pk,
            product="professional",
            version="",
            category=Category.PRE_SALES,
            subject="Pre-sales: Acme",
            description="Forty servers.",
        ).ticket

        assert (ticket.category, ticket.version) == (Category.PRE_SALES, "21.2.1")

    @pytest.mark.parametrize("path", ["api", "page"])
    def test_the_customers_api_and_page_refuse_a_retired_version(
        self, client, premium_customer, us_engineer, path
    ):
        client.force_login(premium_customer)
        if path == "api":
            response = client.post(
                "/api/v1/tickets/",
                request_fields(version=RETIRED),
                content_type="application/json",
            )
            assert response.status_code == 403
            assert response.json()["reason_code"] == "version-unsupported"
        else:
            response = client.post(
                "/tickets/new/",
                {**request_fields(version=RETIRED), "channel": "online", "language": "en"},
            )
            assert "was supported until" in page_text(response)
        assert not Ticket.objects.exists()


# --- Assignment across teams ----------------------------------------------------------------


@pytest.fixture
def german_xsp_customer(releases):
    customer = UserFactory(email="greta@example.de", name="Greta Gruber", country="DE")
    grant(customer, "xsp", product="xsp")
    return customer


def xsp_request(customer, **overrides):
    return services.ticket_create(customer=customer, **request_fields(product="xsp", **overrides))


class TestAssignmentAcrossTeams:
    def test_without_a_skilled_engineer_in_the_team_the_other_team_takes_it_least_loaded_first(
        self, german_xsp_customer, premium_customer
    ):
        """When no engineer of the customer's team knows the product, an engineer of another
        team who does takes the request, the least loaded first, and the history says why."""
        engineer("jonas@novadesk.test", "de", products=["professional", "server"])
        busy = engineer("sam@novadesk.test", "us", products=["xsp"])
        free = engineer("una@novadesk.test", "us", products=["xsp", "professional"])
        engineer("ulf@novadesk.test", "us", products=["professional"])
        services.ticket_assign(
            ticket=services.ticket_create(customer=premium_customer, **request_fields()).ticket,
            engineer=busy,
            actor=busy,
        )

        ticket = xsp_request(german_xsp_customer).ticket

        assert (ticket.status, ticket.assignee, ticket.team.code) == (Status.OPEN, free, "de")
        assert list(ticket.events.values_list("action", "to_status")) == [
            ("created", Status.NEW),
            ("assigned automatically", Status.OPEN),
            ("assigned to the other team", Status.OPEN),
        ]
        detail = ticket.events.get(action="assigned to the other team").detail
        assert "no engineer of the Germany team knows NovaBACKUP xSP" in detail
        assert "United States team" in detail

    def test_a_team_with_a_skilled_engineer_keeps_its_request(self, german_xsp_customer):
        jonas = engineer("jonas@novadesk.test", "de", products=["xsp"])
        engineer("sam@novadesk.test", "us", products=["xsp"])

        ticket = xsp_request(german_xsp_customer).ticket

        assert ticket.assignee == jonas
        assert not ticket.events.filter(action="assigned to the other team").exists()

    def test_a_skilled_engineer_who_takes_no_new_requests_keeps_it_in_the_team(
        self, german_xsp_customer
    ):
        """The other team helps with a skill the team lacks, not with a paused engineer: the
        request waits for the team, as it always did."""
        jonas = engineer("jonas@novadesk.test", "de", products=["xsp"])
        jonas.engineer.takes_new_tickets = False
        jonas.engineer.save()
        engineer("sam@novadesk.test", "us", products=["xsp"])

        ticket = xsp_request(german_xsp_customer).ticket

        assert (ticket.status, ticket.assignee) == (Status.NEW, None)

    def test_nobody_anywhere_with_the_skill_leaves_it_unassigned(self, german_xsp_customer):
        engineer("jonas@novadesk.test", "de", products=["professional"])
        engineer("sam@novadesk.test", "us", products=["professional"])

        ticket = xsp_request(german_xsp_customer).ticket

        assert (ticket.status, ticket.assignee) == (Status.NEW, None)
        assert list(ticket.events.values_list("action", flat=True)) == ["created"]

    def test_the_due_time_stays_in_the_customers_team_calendar(self, german_xsp_customer):
        """Monday 18:00 in Hamburg is after hours there: one business day is Tuesday 17:00
        Berlin time, whichever team answers."""
        engineer("sam@novadesk.test", "us", products=["xsp"])

        ticket = xsp_request(german_xsp_customer).ticket

        assert ticket.first_response_due == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)

    def test_the_fallback_costs_no_extra_query(self, client, german_xsp_customer):
        """The submission runs as many queries as one assigned within the team."""
        engineer("sam@novadesk.test", "us", products=["xsp"])
        token = Token.objects.create(user=german_xsp_customer)
        auth = {"Authorization": f"Token {token.key}"}
        body = request_fields(product="xsp")
        client.post("/api/v1/tickets/", body, content_type="application/json", headers=auth)

        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/v1/tickets/", body, content_type="application/json", headers=auth
            )

        assert response.status_code == 201
        assert len(captured) == SUBMISSION_QUERIES
        ticket = Ticket.objects.get(ticket_id=response.json()["ticket_id"])
        assert ticket.events.filter(action="assigned to the other team").exists()


# --- A proposal to close unresolved ---------------------------------------------------------


def propose(ticket, engineer_user):
    return services.ticket_propose_unresolved_closure(
        ticket=ticket, engineer=engineer_user, explanation="A Windows bug we cannot fix."
    )


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def customer_writes(way: str, ticket, client: Client) -> None:
    if way == "page":
        client.force_login(ticket.customer)
        client.post(f"/tickets/{ticket.ticket_id}/", {"action": "comment", "body": "I disagree."})
    elif way == "link":
        token = links.link_issue(ticket=ticket)
        client.post(f"/t/{token}/", {"action": "comment", "body": "I disagree."})
    elif way == "api":
        client.force_login(ticket.customer)
        client.post(
            f"/api/v1/tickets/{ticket.ticket_id}/messages/",
            {"body": "I disagree."},
            content_type="application/json",
        )
    else:
        services.ticket_customer_message(ticket=ticket, body="I disagree.", via=Message.Via.EMAIL)


class TestClosureProposalWithdrawn:
    @pytest.mark.parametrize("way", ["page", "link", "api", "email"])
    def test_a_customer_message_withdraws_the_proposal(self, client, open_ticket, us_engineer, way):
        """Writing instead of agreeing is disagreeing: the proposal no longer stands."""
        propose(open_ticket, us_engineer)

        customer_writes(way, open_ticket, client)

        ticket = fresh(open_ticket)
        assert ticket.messages.filter(body="I disagree.").exists()
        assert ticket.closure_proposed_at is None
        assert ticket.status == Status.OPEN
        event = ticket.events.get(action=WITHDRAWN)
        assert event.detail == "the customer wrote"

    @pytest.mark.parametrize("awaits_customer", [True, False])
    def test_a_new_engineer_reply_withdraws_the_proposal(
        self, open_ticket, us_engineer, awaits_customer
    ):
        propose(open_ticket, us_engineer)

        services.ticket_reply(
            ticket=open_ticket,
            engineer=us_engineer,
            body="Let us try one more thing.",
            awaits_customer=awaits_customer,
        )

        ticket = fresh(open_ticket)
        assert ticket.closure_proposed_at is None
        assert ticket.events.get(action=WITHDRAWN).detail == "support replied"
        with pytest.raises(ApplicationError) as refused:
            services.ticket_agree_closure(ticket=ticket)
        assert refused.value.code == "proposal-withdrawn"

    def test_an_internal_note_leaves_the_proposal_standing(self, open_ticket, us_engineer):
        propose(open_ticket, us_engineer)

        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Asked the devs.")

        assert fresh(open_ticket).closure_proposed_at is not None
        assert not TicketEvent.objects.filter(action=WITHDRAWN).exists()

    def test_agreeing_weeks_later_to_a_withdrawn_proposal_is_refused(
        self, open_ticket, us_engineer, frozen_monday
    ):
        propose(open_ticket, us_engineer)
        services.ticket_customer_message(ticket=open_ticket, body="That is not acceptable.")
        frozen_monday.shift(21 * 24 * 3600)

        with pytest.raises(ApplicationError) as refused:
            services.ticket_agree_closure(ticket=open_ticket)

        assert refused.value.code == "proposal-withdrawn"
        assert "was withdrawn" in refused.value.message
        ticket = fresh(open_ticket)
        assert ticket.status == Status.OPEN
        assert ticket.resolution == ""

    @pytest.mark.parametrize("page", ["account", "link"])
    def test_the_page_hides_the_button_and_refuses_the_agreement(
        self, client, open_ticket, us_engineer, page
    ):
        propose(open_ticket, us_engineer)
        if page == "account":
            client.force_login(open_ticket.customer)
            url = f"/tickets/{open_ticket.ticket_id}/"
        else:
            url = f"/t/{links.link_issue(ticket=open_ticket)}/"
        assert "Agree to close" in page_text(client.get(url))
        client.post(url, {"action": "comment", "body": "It still fails, please go on."})

        shown = page_text(client.get(url))
        answer = page_text(client.post(url, {"action": "agree"}, follow=True))

        assert "Agree to close" not in shown
        assert "Support proposes to close this request" not in shown
        assert "The proposal to close request" in answer and "was withdrawn" in answer
        assert fresh(open_ticket).status != Status.CLOSED

    def test_the_api_shows_the_proposal_withdrawn(self, client, open_ticket, us_engineer):
        propose(open_ticket, us_engineer)
        client.force_login(open_ticket.customer)
        url = f"/api/v1/tickets/{open_ticket.ticket_id}/"
        assert client.get(url).json()["closure_proposed_at"] is not None

        customer_writes("api", open_ticket, client)

        assert client.get(url).json()["closure_proposed_at"] is None

    def test_a_new_proposal_after_a_withdrawn_one_can_be_agreed(
        self, open_ticket, us_engineer, frozen_monday
    ):
        propose(open_ticket, us_engineer)
        services.ticket_customer_message(ticket=open_ticket, body="Please keep trying.")
        frozen_monday.shift(3600)
        propose(open_ticket, us_engineer)

        ticket = services.ticket_agree_closure(ticket=open_ticket)

        assert (ticket.status, ticket.resolution) == (Status.CLOSED, Resolution.CANNOT_RESOLVE)

    def test_without_any_proposal_the_refusal_says_so(self, open_ticket):
        with pytest.raises(ApplicationError) as refused:
            services.ticket_agree_closure(ticket=open_ticket)

        assert refused.value.code == "no-proposal"

    def test_a_proposal_the_conversation_went_past_before_this_rule_is_not_agreeable(
        self, client, open_ticket, us_engineer, frozen_monday
    ):
        """A proposal stored before withdrawal existed, with messages after it, is as stale
        as a withdrawn one: neither the button nor the agreement."""
        propose(open_ticket, us_engineer)
        frozen_monday.shift(3600)
        services.ticket_customer_message(ticket=open_ticket, body="No, please go on.")
        proposed_at = timezone.now() - timedelta(hours=1)
        Ticket.objects.filter(pk=open_ticket.pk).update(closure_proposed_at=proposed_at)
        client.force_login(open_ticket.customer)

        shown = page_text(client.get(f"/tickets/{open_ticket.ticket_id}/"))
        with pytest.raises(ApplicationError) as refused:
            services.ticket_agree_closure(ticket=open_ticket)

        assert "Agree to close" not in shown
        assert refused.value.code == "proposal-withdrawn"
