"""K-anonymity of free-form values: below the threshold a value is kept as a keyed hash only."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from telemetry import anonymity, rollups, schema, selectors, services
from telemetry.models import DailyOsShare, FreeValue, FreeValueSighting, RawReport
from tests.factories import StaffFactory
from tests.telemetry.database_dump import dump
from tests.telemetry.rollup_data import DAY, at, ingest, owner, report

pytestmark = pytest.mark.django_db

K = 5
# A person's name typed into a program's name, a made-up OS build, a tuned CPU's model name.
PROGRAM = "Abrechnung Praxis Dr. Sommerfeld"
PROGRAM_VERSION = "Lizenz Sommerfeld"
OS_VERSION = "10.0.99999"
CPU = "Custom Build by Jonas Weidmann"


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.TELEMETRY_K_ANONYMITY = K
    settings.TELEMETRY_VALUE_HASH_KEY = ""


@pytest.fixture(autouse=True)
def common_values(threshold):
    """The common values of ``report`` (Windows, its edition, the CPU, 7-Zip) sent by K other
    installations two days before: known in clear, so only the rare values below are not."""
    ingest(at(DAY - timedelta(days=2), 10), *(report(owner(100 + n)) for n in range(K)))


def free_report(who, **changes) -> dict:
    """A report carrying the rare values above (and common ones otherwise)."""
    item = report(who, os=("Windows", OS_VERSION), **changes)
    item["hardware"]["cpu_model"] = CPU
    item["software"]["installed"].append({"name": PROGRAM, "version": PROGRAM_VERSION})
    return item


def send(*numbers: int, hour: int = 10) -> None:
    """One report of each installation, all in one batch."""
    ingest(at(DAY, hour), *(free_report(owner(number)) for number in numbers))


def known(field: str, value: str) -> FreeValue | None:
    return FreeValue.objects.filter(
        field=field, value_hash=anonymity.value_hash(field, value)
    ).first()


def os_rows() -> set[tuple[str, str, int]]:
    return set(
        DailyOsShare.objects.filter(day=DAY).values_list("os_name", "os_version", "installations")
    )


RARE_VALUES = [
    (anonymity.PROGRAM_NAME, PROGRAM),
    (anonymity.PROGRAM_VERSION, PROGRAM_VERSION),
    (anonymity.OS_VERSION, OS_VERSION),
    (anonymity.CPU_MODEL, CPU),
]


# --- Below the threshold ----------------------------------------------------------------------


def test_a_value_sent_by_k_minus_one_installations_is_stored_nowhere_in_clear():
    send(1, 2)
    send(3, 4, hour=11)
    rollups.rollup_day(day=DAY)

    text = dump()
    for field, value in RARE_VALUES:
        assert value not in text, field
        row = known(field, value)
        assert (row.installations, row.value) == (K - 1, None)
    # Each report holds the marker in place of the value; common values stay readable.
    for raw in RawReport.objects.filter(received_at__gte=at(DAY)):
        assert raw.hardware["cpu_model"] == anonymity.marker(anonymity.CPU_MODEL, CPU)
        assert raw.software["os"] == {
            "name": "Windows",
            "version": anonymity.marker(anonymity.OS_VERSION, OS_VERSION),
            "edition": "Pro",
        }
    # The roll-up counts the value as rare; the name and the common values are kept.
    assert os_rows() == {("Windows", rollups.RARE, K - 1)}


def test_the_kth_installation_makes_the_value_known_in_the_values_table_and_the_charts(client):
    send(1, 2, 3, 4)
    rollups.rollup_day(day=DAY)
    assert os_rows() == {("Windows", rollups.RARE, K - 1)}

    send(5, hour=12)
    rollups.rollup_day(day=DAY)

    for field, value in RARE_VALUES:
        row = known(field, value)
        assert (row.installations, row.value) == (K, value), field
    # The K-th report is stored in clear; the roll-up resolves the earlier reports' hashes.
    latest = RawReport.objects.get(installation_id=owner(5).installation_id)
    assert latest.hardware["cpu_model"] == CPU
    assert {"name": PROGRAM, "version": PROGRAM_VERSION} in latest.software["installed"]
    assert os_rows() == {("Windows", OS_VERSION, K)}
    # Sightings are not needed once the value is known.
    assert not FreeValueSighting.objects.filter(
        value_hash=anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION)
    ).exists()
    # And the staff chart shows it.
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name="Product team"))
    client.force_login(staff)
    filters = selectors.UsageFilter(start=DAY, end=DAY)
    assert selectors.os_share(filters=filters)[0]["os_version"] == OS_VERSION
    page = client.get(f"/admin/telemetry/dashboard/?start={DAY}&end={DAY}").text
    assert f"Windows {OS_VERSION}" in page


def test_the_same_installation_sending_a_value_twice_counts_once():
    send(1, 2, 3)
    # Installation 1 again: in one batch twice, then in a later batch.
    ingest(at(DAY, 11), free_report(owner(1)), free_report(owner(1)), free_report(owner(4)))
    send(1, hour=12)
    rollups.rollup_day(day=DAY)

    for field, value in RARE_VALUES:
        row = known(field, value)
        assert (row.installations, row.value) == (K - 1, None), field
    assert OS_VERSION not in dump()
    assert os_rows() == {("Windows", rollups.RARE, K - 1)}

    send(5, hour=13)

    assert known(anonymity.OS_VERSION, OS_VERSION).value == OS_VERSION


def test_the_dashboard_names_rare_values(client):
    send(1)
    rollups.rollup_day(day=DAY)
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name="Product team"))
    client.force_login(staff)

    page = client.get(f"/admin/telemetry/dashboard/?start={DAY}&end={DAY}").text

    assert "Windows rare value" in page
    assert anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION) not in page


# --- Leaving, expiry ---------------------------------------------------------------------------


def test_an_installation_that_leaves_no_longer_counts(client):
    send(1, 2, 3, 4)
    leaving = owner(2)

    response = client.post(
        "/api/v1/telemetry/opt-out",
        data={
            "installation_id": str(leaving.installation_id),
            "installation_secret": leaving.secret,
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    assert known(anonymity.OS_VERSION, OS_VERSION).installations == K - 2
    assert not FreeValueSighting.objects.filter(installation_id=leaving.installation_id).exists()
    send(5, hour=11)
    assert known(anonymity.OS_VERSION, OS_VERSION).value is None
    send(6, hour=12)
    assert known(anonymity.OS_VERSION, OS_VERSION).value == OS_VERSION


def test_a_value_whose_last_installation_leaves_is_forgotten(client):
    send(1)
    response = client.post(
        "/api/v1/telemetry/opt-out",
        data={
            "installation_id": str(owner(1).installation_id),
            "installation_secret": owner(1).secret,
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    for field, value in RARE_VALUES:
        assert known(field, value) is None


def test_sightings_expire_after_the_retention_period(settings):
    ingest(at(DAY - timedelta(days=100), 10), free_report(owner(1)))
    send(2, 3, 4)

    expired = anonymity.sightings_expire(before=DAY - timedelta(days=90))

    assert expired == len(RARE_VALUES)
    assert known(anonymity.OS_VERSION, OS_VERSION).installations == K - 2
    assert not FreeValueSighting.objects.filter(installation_id=owner(1).installation_id).exists()
    # Sending it again counts it again.
    send(1, 5, hour=11)
    assert known(anonymity.OS_VERSION, OS_VERSION).value == OS_VERSION


def test_the_upkeep_task_expires_sightings(settings):
    from datetime import UTC, datetime

    import time_machine

    ingest(at(DAY, 10), free_report(owner(1)))
    later = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC) + timedelta(days=200)
    with time_machine.travel(later, tick=False):
        result = services.partitions_maintain()

    assert result["sightings_expired"] == len(RARE_VALUES)
    assert known(anonymity.OS_VERSION, OS_VERSION) is None


# --- The hash, the remembered values ----------------------------------------------------------


def test_the_hash_is_keyed_with_the_setting_or_the_secret_key(settings):
    derived = anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION) != derived
    settings.TELEMETRY_VALUE_HASH_KEY = "a-dedicated-key"
    configured = anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION)
    settings.SECRET_KEY = "yet-another-secret-key-for-this-test-only-98765"
    assert anonymity.value_hash(anonymity.OS_VERSION, OS_VERSION) == configured
    assert len(configured) == 64
    # The field is part of the hash: one value in two fields gives two hashes.
    assert anonymity.value_hash(anonymity.OS_NAME, OS_VERSION) != configured


def test_values_known_in_clear_cost_no_statement_once_committed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        send(1, 2, 3, 4, 5)
    assert anonymity.is_known(anonymity.OS_VERSION, OS_VERSION)

    with CaptureQueriesContext(connection) as queries:
        send(6, 7, hour=11)

    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert anonymity.VALUES not in statements
    assert anonymity.SIGHTINGS not in statements
    stored = RawReport.objects.get(installation_id=owner(6).installation_id)
    assert stored.software["os"]["version"] == OS_VERSION


def test_a_rejected_report_does_not_count():
    other = "10.0.88888"
    ingest(at(DAY, 10), report(owner(1), os=("Windows", other)))
    forged = report(owner(2), os=("Windows", other))
    ingest(at(DAY, 10), report(owner(2)))
    forged["installation_secret"] = "not-the-secret-of-installation-2-at-all"
    forged["sent_at"] = at(DAY, 10).isoformat()

    result = services.reports_ingest(reports=[msgspec.json.encode(forged)], received_at=at(DAY, 11))

    assert result.rejections[0]["reason"] == "secret_mismatch"
    assert known(anonymity.OS_VERSION, other).installations == 1


# --- Which fields ------------------------------------------------------------------------------


def _free_string_fields() -> set[str]:
    """Every string leaf of the report schema without a fixed form (pattern, enum, format)."""
    definitions = msgspec.json.schema(schema.Report)["$defs"]
    found: set[str] = set()

    def walk(node: dict, path: str) -> None:
        while "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        if node.get("type") == "object" and "properties" in node:
            for name, child in node["properties"].items():
                walk(child, f"{path}.{name}" if path else name)
        elif node.get("type") == "array":
            walk(node["items"], f"{path}[]")
        elif node.get("type") == "string" and not {"pattern", "enum", "format"} & set(node):
            found.add(path)

    walk(msgspec.json.schema(schema.Report), "")
    return found


def test_every_free_form_string_of_the_schema_is_counted():
    assert _free_string_fields() == set(schema.FREE_FIELDS)
    assert {
        anonymity.CPU_MODEL,
        anonymity.OS_NAME,
        anonymity.OS_VERSION,
        anonymity.OS_EDITION,
        anonymity.PROGRAM_NAME,
        anonymity.PROGRAM_VERSION,
    } == set(schema.FREE_FIELDS)


# --- The public page ----------------------------------------------------------------------------


def test_the_public_page_explains_the_threshold(client, settings):
    settings.TELEMETRY_K_ANONYMITY = 7

    english = client.get("/customer-experience/").content.decode()
    client.cookies["django_language"] = "de"
    german = client.get("/customer-experience/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "only once at least 7 different installations have sent exactly the same value" in (
        " ".join(english.split())
    )
    assert "wenn mindestens 7 verschiedene Installationen genau denselben Wert" in (
        " ".join(german.split())
    )
    assert 'id="k-anonymity"' in german
