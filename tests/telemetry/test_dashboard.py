"""The usage charts in the admin: who sees them, what they show, filters, a fixed query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from telemetry import demo, rollups
from telemetry.models import (
    DailyFeatureUsage,
    DailyHardware,
    DailyOsShare,
    DailyVersionAdoption,
    IngestCounter,
)
from tests.factories import StaffFactory, UserFactory
from tests.telemetry.rollup_data import DAY, at, ingest, owner, report

pytestmark = pytest.mark.django_db

URL = "/admin/telemetry/dashboard/"
# The page's own: one for the version choices and one aggregate per section (6); the rest is
# the session, the user, permissions, the request's transaction and the admin's context.
OWN_QUERIES = 6
MAX_QUERIES = 14


@pytest.fixture(autouse=True)
def now():
    """Mid-afternoon on DAY (UTC): the dashboard's "today"."""
    with time_machine.travel(at(DAY, 15), tick=False):
        yield


def in_group(user, group: str):
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def product_client(client):
    client.force_login(in_group(StaffFactory(), "Product team"))
    return client


@pytest.fixture
def seeded():
    """Two weeks of demo reports from 30 installations, rolled up."""
    assert demo.seed(days=14, installations=30) > 0


def cells(page: str, attribute: str, value: str) -> list[str]:
    """The data cells of the table row marked ``attribute="value"``."""
    match = re.search(rf'<tr [^>]*{attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {attribute}={value}"
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def charts(page: str) -> int:
    return page.count('<svg role="img"')


def version_totals(**filters) -> dict[str, tuple[int, int]]:
    rows = (
        DailyVersionAdoption.objects.filter(**filters)
        .values("version")
        .annotate(i=Sum("installations"), r=Sum("reports"))
    )
    return {row["version"]: (row["i"], row["r"]) for row in rows}


# --- Access -----------------------------------------------------------------------------------


class TestAccess:
    def test_visitors_and_customers_are_sent_to_sign_in(self, client):
        assert client.get(URL).url == f"/admin/login/?next={URL}"

        client.force_login(UserFactory(email="paula@example.com"))
        response = client.get(URL)

        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")

    def test_a_support_engineer_is_refused(self, client):
        client.force_login(in_group(StaffFactory(), "Support engineer"))

        assert client.get(URL).status_code == 403

    def test_the_product_team_sees_the_link_and_engineers_do_not(self, client, product_client):
        assert f'href="{reverse("telemetry-dashboard")}"' in product_client.get("/admin/").text

        client.force_login(in_group(StaffFactory(), "Support engineer"))
        assert reverse("telemetry-dashboard") not in client.get("/admin/").text


# --- What it shows ----------------------------------------------------------------------------


def test_the_product_team_sees_every_chart_with_the_seeded_numbers(product_client, seeded):
    response = product_client.get(URL)

    assert response.status_code == 200
    page = response.text
    # Features, versions, operating systems, four hardware dimensions, ingestion findings.
    assert charts(page) == 8
    totals = version_totals()
    assert demo.NEW_VERSION in totals
    for version, (installation_days, reports) in totals.items():
        assert cells(page, "data-version", version)[:2] == [str(installation_days), str(reports)]
    total_reports = sum(reports for _i, reports in totals.values())
    assert f"{total_reports} reports on 14 days" in page
    top = (
        DailyFeatureUsage.objects.values("feature")
        .annotate(uses=Sum("uses"))
        .order_by("-uses", "feature")
        .first()
    )
    assert cells(page, "data-feature", top["feature"])[0] == str(top["uses"])
    for reason in ("email", "phone", "user_path"):
        assert cells(page, "data-reason", reason)[-1] == "1"
    cores = (
        DailyHardware.objects.filter(dimension="cores")
        .values("bucket")
        .annotate(n=Sum("installations"))
    )
    for row in cores:
        assert cells(page, "data-band", row["bucket"])[0] == str(row["n"])


def test_the_charts_carry_no_inline_script_or_style(product_client, seeded):
    page = product_client.get(URL).text

    assert "style=" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None


def test_exact_shares_from_hand_made_reports(values_in_clear, product_client):
    """Three installations of one product on one day: shares are out of 3."""
    ingest(
        at(DAY, 9),
        report(owner(1), cores=8, os=("Windows", "10.0.19045"), features={"backup.file": 4}),
        report(owner(2), cores=8, features={"backup.file": 1, "verify.run": 2}),
        report(owner(3, version="21.2"), cores=2, disks=("ssd", "hdd")),
    )
    rollups.rollup_day(day=DAY)

    page = product_client.get(URL).text

    assert cells(page, "data-version", "21.2.1") == ["2", "2", "66.7%"]
    assert cells(page, "data-version", "21.2") == ["1", "1", "33.3%"]
    assert cells(page, "data-feature", "backup.file") == ["5", "2", "66.7%"]
    assert cells(page, "data-feature", "verify.run") == ["2", "1", "33.3%"]
    assert cells(page, "data-band", "5-8") == ["2", "66.7%"]
    assert cells(page, "data-band", "1-2") == ["1", "33.3%"]
    # An installation with an SSD and a HDD counts in both bands.
    assert cells(page, "data-band", "ssd") == ["3", "100.0%"]
    assert cells(page, "data-band", "hdd") == ["1", "33.3%"]
    assert "Windows 10.0.19045" in page


# --- Filters ----------------------------------------------------------------------------------


def test_the_product_filter_narrows_every_section(product_client, seeded):
    page = product_client.get(URL, {"product": "server"}).text

    server = version_totals(product="server")
    assert server != version_totals()
    for version, (installation_days, _reports) in server.items():
        assert cells(page, "data-version", version)[0] == str(installation_days)
    systems = DailyOsShare.objects.filter(product="server").aggregate(n=Sum("installations"))
    assert systems["n"] == sum(i for i, _r in server.values())


def test_the_version_filter_leaves_one_version(product_client, seeded):
    page = product_client.get(URL, {"version": "21.1"}).text

    assert cells(page, "data-version", "21.1")[0] == str(version_totals()["21.1"][0])
    assert 'data-version="21.2"' not in page
    assert cells(page, "data-version", "21.1")[2] == "100.0%"


def test_the_date_range_narrows_to_its_days(product_client, seeded):
    yesterday = DAY - timedelta(days=1)

    page = product_client.get(URL, {"start": str(yesterday), "end": str(yesterday)}).text

    for version, (installation_days, reports) in version_totals(day=yesterday).items():
        assert cells(page, "data-version", version)[:2] == [str(installation_days), str(reports)]
    total = sum(r for _i, r in version_totals(day=yesterday).values())
    assert f"{total} reports on 1 day," in page
    assert total < sum(r for _i, r in version_totals().values())


def test_counters_follow_the_date_range(product_client, seeded):
    removed = IngestCounter.objects.filter(kind="removed").order_by("day")
    last = removed.last()

    page = product_client.get(URL, {"start": str(last.day), "end": str(last.day)}).text

    assert cells(page, "data-reason", last.reason)[-1] == "1"
    assert 'data-reason="' + removed.first().reason + '"' not in page


def test_a_wrong_range_shows_the_error_and_the_default_selection(product_client, seeded):
    response = product_client.get(URL, {"start": str(DAY), "end": str(DAY - timedelta(days=3))})

    assert response.status_code == 200
    assert "The first day must not be after the last." in response.text
    assert charts(response.text) == 8
    total = sum(r for _i, r in version_totals().values())
    assert f"{total} reports on 14 days" in response.text


# --- Query count ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 60])
def test_the_query_count_is_fixed(product_client, django_assert_max_num_queries, days):
    demo.seed(days=days, installations=20)
    start = DAY - timedelta(days=days - 1)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = product_client.get(URL, {"start": str(start), "end": str(DAY)})

    assert response.status_code == 200
    assert f"reports on {days} days" in response.text


def test_more_days_of_data_run_the_same_queries(product_client):
    demo.seed(days=7, installations=20)
    url = f"{URL}?start={DAY - timedelta(days=59)}&end={DAY}"
    with CaptureQueriesContext(connection) as week:
        product_client.get(url)
    # The same week again for each of the eight weeks before: 63 days, 60 of them in range.
    for model in (DailyFeatureUsage, DailyOsShare, DailyHardware, DailyVersionAdoption):
        names = [field.attname for field in model._meta.fields if field.attname != "id"]
        week_rows = list(model.objects.values(*names))
        model.objects.bulk_create(
            model(**{**row, "day": row["day"] - timedelta(days=7 * weeks)})
            for weeks in range(1, 9)
            for row in week_rows
        )

    with CaptureQueriesContext(connection) as sixty_days:
        response = product_client.get(url)

    assert "reports on 60 days" in response.text
    assert len(sixty_days) == len(week)
    own = [q for q in sixty_days.captured_queries if '"telemetry_' in q["sql"]]
    assert len(own) == OWN_QUERIES


# --- The read-only admin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    ["dailyfeatureusage", "dailyosshare", "dailyhardware", "dailyversionadoption", "ingestcounter"],
)
def test_roll_ups_and_counters_are_read_only_in_the_admin(product_client, seeded, model):
    changelist = product_client.get(f"/admin/telemetry/{model}/")

    assert changelist.status_code == 200
    assert 'id="changelist-filter"' in changelist.text
    assert product_client.get(f"/admin/telemetry/{model}/add/").status_code == 403
