"""The pages for refused, missing and failed pages, the portal's and the desk's, in English and
German."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from portal import urls as portal_urls
from portal.accounts import roles
from portal.core import views as core_views
from tests.factories import StaffFactory, UserFactory

ERROR_URLS = "tests.portal.error_urls"
HOME = 'href="/"'
HELP_CENTRE = 'href="/help/"'
QUEUE = 'href="/admin/tickets/ticket/"'


@pytest.fixture(autouse=True)
def _production_errors(settings):
    """Error pages as production shows them: DEBUG off."""
    settings.DEBUG = False


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def german(client: Client) -> Client:
    client.cookies["django_language"] = "de"
    return client


def staff_in(group: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


def page(response) -> str:
    return response.content.decode()


def test_the_handlers_are_the_portals():
    assert portal_urls.handler403 is core_views.permission_denied
    assert portal_urls.handler404 is core_views.page_not_found
    assert portal_urls.handler500 is core_views.server_error


@pytest.mark.django_db
class TestThePortal:
    def test_a_missing_page_says_so_and_leads_home_and_to_the_help_centre(self, anonymous):
        response = anonymous.get("/no-such-page/")

        assert response.status_code == 404
        assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
        content = page(response)
        assert "This page does not exist" in content
        assert HOME in content and HELP_CENTRE in content

    def test_a_missing_page_in_german(self, anonymous):
        content = page(german(anonymous).get("/keine-seite/"))

        assert '<html lang="de">' in content
        assert "Zurück zur Startseite" in content
        assert "Hilfe-Center" in content

    def test_a_signed_in_customer_keeps_the_portals_menu(self, client):
        client.force_login(UserFactory(email="paula@example.com"))

        content = page(client.get("/no-such-page/"))

        assert reverse("tickets:list") in content  # "My requests": the signed-in menu

    @pytest.mark.urls(ERROR_URLS)
    def test_a_refused_page_is_the_portals(self, anonymous):
        response = anonymous.get("/refused/")

        assert response.status_code == 403
        assert response.templates[0].name == "403.html"
        content = page(response)
        assert "You may not open this page" in content
        assert HOME in content and HELP_CENTRE in content

    @pytest.mark.urls(ERROR_URLS)
    def test_a_refused_page_in_german(self, anonymous):
        content = page(german(anonymous).get("/refused/"))

        assert '<html lang="de">' in content
        assert "Zurück zur Startseite" in content

    @pytest.mark.urls(ERROR_URLS)
    def test_a_failed_page_says_so_and_leads_home_and_to_the_help_centre(self, anonymous):
        response = anonymous.get("/broken/")

        assert response.status_code == 500
        content = page(response)
        assert "Something went wrong on our side" in content
        assert HOME in content and HELP_CENTRE in content
        assert "a bug in a page" not in content

    @pytest.mark.urls(ERROR_URLS)
    def test_a_failed_page_in_german(self, anonymous):
        content = page(german(anonymous).get("/broken/"))

        assert '<html lang="de">' in content
        assert "Zurück zur Startseite" in content


@pytest.mark.django_db
class TestTheDesk:
    def test_a_page_outside_the_role_keeps_the_desks_look_and_leads_to_the_queue(self):
        client = Client(raise_request_exception=False)
        client.force_login(staff_in(roles.SUPPORT_ENGINEER))

        response = client.get(reverse("admin:entitlements_entitlement_add"))

        assert response.status_code == 403
        assert response.templates[0].name == "admin/403.html"
        content = page(response)
        assert "Your role in the support desk does not include this page" in content
        assert QUEUE in content
        assert 'id="user-tools"' in content  # the admin's header, signed in

    def test_staff_without_tickets_are_not_offered_the_queue(self):
        client = Client(raise_request_exception=False)
        client.force_login(staff_in(roles.PRODUCT_TEAM))

        response = client.get(reverse("desk-dashboard"))

        assert response.status_code == 403
        assert QUEUE not in page(response)
        assert f'href="{reverse("admin:index")}"' in page(response)

    def test_a_missing_desk_page_keeps_the_desks_look(self):
        client = Client(raise_request_exception=False)
        client.force_login(staff_in(roles.SUPPORT_LEAD))

        response = client.get("/admin/no-such-page/")

        assert response.status_code == 404
        assert response.templates[0].name == "admin/404.html"
        content = page(response)
        assert "This page of the support desk does not exist" in content
        assert QUEUE in content

    def test_a_missing_desk_page_in_german(self):
        client = german(Client(raise_request_exception=False))
        engineer = staff_in(roles.SUPPORT_ENGINEER)
        engineer.language = "de"
        engineer.save(update_fields=["language"])
        client.force_login(engineer)

        content = page(client.get("/admin/no-such-page/"))

        assert '<html lang="de"' in content
        assert "Startseite" in content  # the admin's breadcrumbs, in German

    @pytest.mark.urls(ERROR_URLS)
    def test_a_refused_desk_page(self):
        client = Client(raise_request_exception=False)
        client.force_login(staff_in(roles.SUPPORT_ENGINEER))

        response = client.get("/admin/refused/")

        assert response.status_code == 403
        assert response.templates[0].name == "admin/403.html"

    @pytest.mark.urls(ERROR_URLS)
    def test_a_failed_desk_page_keeps_the_desks_look_and_leads_to_the_queue(self):
        client = Client(raise_request_exception=False)
        client.force_login(staff_in(roles.SUPPORT_ENGINEER))

        response = client.get("/admin/broken/")

        assert response.status_code == 500
        content = page(response)
        assert "The support desk could not show this page" in content
        assert QUEUE in content
        assert "admin/css/base.css" in content

    @pytest.mark.urls(ERROR_URLS)
    def test_a_failed_desk_page_in_german(self):
        client = german(Client(raise_request_exception=False))

        content = page(client.get("/admin/broken/"))

        assert '<html lang="de"' in content


class TestTheFailurePageNeedsNothing:
    """The 500 page shows while the database is down: no query, no session, no account.

    These tests have no database (pytest-django refuses every query), and the request comes
    from a RequestFactory: it has no session and no user.
    """

    @pytest.mark.parametrize(("path", "marker"), [("/tickets/", HOME), ("/admin/x/", QUEUE)])
    def test_it_renders_without_the_database_or_the_request(self, path, marker):
        request = RequestFactory().get(path)

        response = core_views.server_error(request)

        assert response.status_code == 500
        assert marker in response.content.decode()

    def test_it_speaks_the_active_language(self):
        with translation.override("de"):
            response = core_views.server_error(RequestFactory().get("/"))

        assert '<html lang="de">' in response.content.decode()
