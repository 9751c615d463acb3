"""The partner programme in the admin: every page opens, lists in a fixed number of queries,
and the staff groups have the rights the programme needs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entitlements.models import Product
from partners import services
from partners.models import Application, NfrLicence, Organisation, PresalesRequest
from portal.accounts import roles
from tests.factories import StaffFactory, UserFactory
from tests.partners.conftest import MembershipFactory, OrganisationFactory, accept_agreement

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/partners/organisation/",
    "/admin/partners/partnerlevel/",
    "/admin/partners/application/",
    "/admin/partners/nfragreement/",
    "/admin/partners/nfragreementacceptance/",
    "/admin/partners/nfrlicence/",
    "/admin/partners/presalesrequest/",
]


def fill(count: int, sales_rep) -> None:
    """``count`` organisations, each with a member, an NFR request and a pre-sales request."""
    for _ in range(count):
        organisation = OrganisationFactory(sales_representative=sales_rep)
        member = MembershipFactory(organisation=organisation).user
        accept_agreement(member)
        services.nfr_licence_request(user=member, product=Product.objects.get(code="server"))
        services.presales_request_submit(
            user=member,
            customer_company="Acme",
            product=Product.objects.get(code="server"),
            expected_seats=3,
            description="A project",
        )
        services.application_submit(
            applicant=UserFactory(),
            company="Applicant",
            country="DE",
            contact_name="A",
            contact_email="a@example.com",
        )


@pytest.fixture
def superuser(db):
    return StaffFactory(email="root@novadesk.test", is_superuser=True)


def test_every_list_and_change_page_opens(client, releases, superuser, sales_rep):
    fill(1, sales_rep)
    client.force_login(superuser)
    objects = {
        "organisation": Organisation.objects.first(),
        "application": Application.objects.first(),
        "nfrlicence": NfrLicence.objects.first(),
        "presalesrequest": PresalesRequest.objects.first(),
    }

    for url in LISTS:
        assert client.get(url).status_code == 200, url
    for name, obj in objects.items():
        assert client.get(f"/admin/partners/{name}/{obj.pk}/change/").status_code == 200, name


@pytest.mark.parametrize("url", LISTS)
def test_lists_need_the_same_queries_for_one_row_and_for_many(
    client, releases, superuser, sales_rep, url
):
    fill(1, sales_rep)
    client.force_login(superuser)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    fill(4, sales_rep)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(one), url


def test_sales_manage_the_programme_and_leads_look(client, releases):
    roles.roles_sync()
    seller = StaffFactory(email="seller@novadesk.test")
    seller.groups.add(Group.objects.get(name=roles.SALES))
    lead = StaffFactory(email="lead@novadesk.test")
    lead.groups.add(Group.objects.get(name=roles.SUPPORT_LEAD))

    assert seller.has_perms(
        [
            "partners.change_organisation",
            "partners.change_application",
            "partners.change_nfrlicence",
            "partners.change_presalesrequest",
        ]
    )
    assert lead.has_perms(["partners.view_organisation", "partners.view_nfrlicence"])
    assert not lead.has_perm("partners.change_nfrlicence")
    fill(1, StaffFactory())
    licence = NfrLicence.objects.get()
    client.force_login(lead)
    assert client.get("/admin/partners/nfrlicence/").status_code == 200

    client.post(
        "/admin/partners/nfrlicence/", {"action": "approve", "_selected_action": [licence.pk]}
    )

    licence.refresh_from_db()
    assert licence.status == "pending"


def test_a_partner_ticket_opens_in_the_desk(client, releases, superuser, sales_rep):
    from tests.tickets.conftest import engineer
    from tickets.models import Ticket

    engineer("sam@novadesk.test", "us")
    fill(1, sales_rep)
    services.presales_request_forward(request=PresalesRequest.objects.get(), actor=sales_rep)
    ticket = Ticket.objects.get()
    client.force_login(superuser)

    assert client.get("/admin/tickets/ticket/").status_code == 200
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")

    assert page.status_code == 200
    assert ticket.ticket_id in page.content.decode()
