"""The desk's start page leads with the desk's own pages, each for the staff who may open it."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.accounts import roles
from tests.factories import StaffFactory
from tickets.admin import MY_QUEUE, UNCLOSED

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:tickets_ticket_changelist")
LINKS = {
    "my queue": f"{QUEUE}?{urlencode(MY_QUEUE)}",
    "all not closed": f"{QUEUE}?{urlencode({'assigned': 'all', 'status__exact': UNCLOSED})}",
    "call-backs": reverse("desk-callbacks"),
    "dashboard": reverse("desk-dashboard"),
    "survey report": reverse("admin:surveys_survey_report"),
    "help-centre report": reverse("admin:knowledge_report"),
}
EVERY_LINK = set(LINKS)


def staff_in(group: str | None = None, **extra):
    user = StaffFactory(**extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def desk_section(client) -> str:
    """The start page's desk section, or "" when it has none."""
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    match = re.search(r'<div class="module desk-start".*?</div>', page.content.decode(), re.S)
    return match.group(0) if match else ""


def linked(section: str) -> set[str]:
    hrefs = {href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', section)}
    return {name for name, url in LINKS.items() if url in hrefs}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (roles.SUPPORT_ENGINEER, EVERY_LINK),
        (roles.SUPPORT_LEAD, EVERY_LINK),
        (roles.SALES, {"all not closed", "call-backs", "dashboard"}),
        (roles.PRODUCT_TEAM, {"survey report"}),
        ("superuser", EVERY_LINK),
    ],
)
def test_each_role_sees_the_desk_pages_it_may_open(client, who, expected):
    user = StaffFactory(is_superuser=True) if who == "superuser" else staff_in(who)
    client.force_login(user)

    assert linked(desk_section(client)) == expected


def test_every_link_opens_for_an_engineer(client):
    client.force_login(staff_in(roles.SUPPORT_ENGINEER))

    for name, url in LINKS.items():
        assert client.get(url).status_code == 200, name


def test_the_desk_comes_before_the_list_of_models(client):
    client.force_login(staff_in(roles.SUPPORT_LEAD))

    page = client.get(reverse("admin:index")).content.decode()

    assert page.index('id="desk-start"') < page.index('class="app-tickets module')


def test_staff_without_a_role_see_no_desk_section(client):
    client.force_login(staff_in())

    assert desk_section(client) == ""


def test_the_section_speaks_german(client):
    lead = staff_in(roles.SUPPORT_LEAD, language="de")
    client.force_login(lead)

    section = desk_section(client)

    assert "Meine offenen Anfragen" in section
    assert "Umfragebericht" in section
