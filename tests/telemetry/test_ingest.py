"""Usage-report ingestion: the contract, limits, personal data, idempotence, joining and leaving."""

from __future__ import annotations

import gzip
import json
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from telemetry import sample, storage
from telemetry.models import IngestCounter, Installation, RawReport

URL = "/api/v1/telemetry/reports"
ADDRESS = "203.0.113.77"


@pytest.fixture
def rng():
    return random.Random(7)


@pytest.fixture
def owner(rng):
    return sample.installation(rng, product="server")


def make(rng, owner, **changes) -> dict:
    report = sample.report(rng, owner, sent_at=timezone.now(), installed=12)
    report.update(changes)
    return report


def post(client, reports, *, compress=False, content_type="application/json", **extra):
    body = json.dumps({"reports": reports}).encode()
    if compress:
        body = gzip.compress(body)
        extra["HTTP_CONTENT_ENCODING"] = "gzip"
    extra.setdefault("REMOTE_ADDR", ADDRESS)
    return client.post(URL, data=body, content_type=content_type, **extra)


def stored(installation_id=None) -> list[RawReport]:
    rows = RawReport.objects.all()
    if installation_id is not None:
        rows = rows.filter(installation_id=installation_id)
    return list(rows)


def counter(kind: str, reason: str) -> int:
    row = IngestCounter.objects.filter(kind=kind, reason=reason).first()
    return row.count if row else 0


pytestmark = pytest.mark.django_db


# --- The contract ---------------------------------------------------------------------------


def test_a_valid_batch_is_accepted_and_stored(values_in_clear, client, rng, owner, settings):
    reports = [make(rng, owner) for _ in range(3)]

    response = post(client, reports)

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 0, 0)
    interval = settings.TELEMETRY_REPORT_INTERVAL_SECONDS
    assert 0.9 * interval <= body["next_report_after"] <= 1.1 * interval
    rows = stored(owner.installation_id)
    assert {str(row.report_id) for row in rows} == {r["report_id"] for r in reports}
    row = next(r for r in rows if str(r.report_id) == reports[0]["report_id"])
    assert row.product == "server"
    assert row.software["installed"] == reports[0]["software"]["installed"]
    assert row.features == reports[0]["features"]


def test_gzip_bodies_are_accepted(client, rng, owner):
    response = post(client, [make(rng, owner)], compress=True)

    assert response.status_code == 202
    assert response.json()["accepted"] == 1


@pytest.mark.parametrize(
    ("change", "reason", "detail"),
    [
        ({"colour": "blue"}, "invalid", "unknown field `colour`"),
        ({"schema_version": 2}, "unsupported_schema_version", "schema_version"),
        ({"product": "toaster"}, "invalid", "$.product"),
        ({"version": "twenty-one"}, "invalid", "$.version"),
        ({"installation_secret": "short"}, "invalid", "$.installation_secret"),
        ({"sent_at": "2026-11-21T10:00:00"}, "invalid", "$.sent_at"),
        ({"features": {"Backup File": 3}}, "invalid", "$.features"),
        ({"report_id": "not-a-uuid"}, "invalid", "$.report_id"),
    ],
)
def test_reports_outside_the_schema_are_rejected_with_a_reason(
    client, rng, owner, change, reason, detail
):
    good, bad = make(rng, owner), make(rng, owner, **change)

    body = post(client, [good, bad]).json()

    assert (body["accepted"], body["rejected"]) == (1, 1)
    (rejection,) = body["rejections"]
    assert rejection["reason"] == reason
    assert detail in rejection["detail"]
    if change.get("report_id") is None:
        assert rejection["report_id"] == bad["report_id"]
    assert [str(r.report_id) for r in stored(owner.installation_id)] == [good["report_id"]]
    assert counter("rejected", reason) == 1


def test_nested_unknown_fields_are_rejected(client, rng, owner):
    report = make(rng, owner)
    report["hardware"]["serial_number"] = "XYZ-123"

    body = post(client, [report]).json()

    assert body["rejected"] == 1
    assert "serial_number" in body["rejections"][0]["detail"]
    assert stored(owner.installation_id) == []


def test_the_schema_endpoint_serves_json_schema(client):
    response = client.get("/api/v1/telemetry/schema")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    document = response.json()
    report = document["$defs"]["Report"]
    assert set(report["required"]) >= {
        "schema_version",
        "report_id",
        "installation_id",
        "installation_secret",
        "product",
        "version",
        "sent_at",
        "hardware",
        "software",
    }
    assert report["additionalProperties"] is False
    assert "professional" in report["properties"]["product"]["enum"]


def test_the_public_page_lists_every_field_of_the_schema(client):
    from telemetry.schema import fields

    page = client.get("/customer-experience/").content.decode()

    for field in fields():
        assert f"<code>{field['path']}</code>" in page
    assert "backup.file" in page  # the feature names per product
    assert "/api/v1/telemetry/schema" in page


def test_the_public_page_is_in_german_too(client):
    client.cookies["django_language"] = "de"

    page = client.get("/customer-experience/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert 'lang="de"' in page
    assert "<code>hardware.cpu_model</code>" in page


# --- Limits ---------------------------------------------------------------------------------


def test_wrong_content_type_is_415(client, rng, owner):
    response = post(client, [make(rng, owner)], content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_unknown_content_encoding_is_415(client):
    response = client.post(
        URL, data=b"{}", content_type="application/json", HTTP_CONTENT_ENCODING="br"
    )

    assert response.status_code == 415
    assert "br" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "malformed"),
        (b'{"reports": 5}', "malformed"),
        (b'{"reports": [], "more": 1}', "malformed"),
        (b"[]", "malformed"),
    ],
)
def test_malformed_bodies_are_400_with_a_reason(client, body, needle):
    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == needle
    assert response.json()["detail"]


def test_a_batch_over_the_configured_size_is_413(client, rng, owner, settings):
    settings.TELEMETRY_MAX_BATCH = 2

    response = post(client, [make(rng, owner) for _ in range(3)])

    assert response.status_code == 413
    assert response.json()["error"] == "batch_too_large"
    assert stored(owner.installation_id) == []


def test_a_body_over_the_compressed_limit_is_413(client, settings):
    settings.TELEMETRY_MAX_BODY_BYTES = 1000

    response = client.post(URL, data=b" " * 1001, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_a_gzip_bomb_is_refused_without_inflating_it(client, settings, monkeypatch):
    settings.TELEMETRY_MAX_INFLATED_BYTES = 1024 * 1024
    bomb = gzip.compress(b"0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB of zeros
    assert len(bomb) < settings.TELEMETRY_MAX_BODY_BYTES
    produced = []
    import zlib

    real = zlib.decompressobj

    class Watching:
        def __init__(self, *args):
            self.inner = real(*args)

        def decompress(self, data, max_length=0):
            out = self.inner.decompress(data, max_length)
            produced.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr("telemetry.apis.zlib.decompressobj", Watching)

    response = client.post(
        URL, data=bomb, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )

    assert response.status_code == 413
    assert response.json()["error"] == "inflated_body_too_large"
    assert sum(produced) <= settings.TELEMETRY_MAX_INFLATED_BYTES + 1


def test_broken_gzip_is_400(client):
    response = client.post(
        URL,
        data=gzip.compress(b'{"reports": []}')[:-6],
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "bad_gzip"


# --- Personal data --------------------------------------------------------------------------


def test_an_email_address_hidden_in_a_software_name_is_never_stored(client, rng, owner):
    report = make(rng, owner)
    report["software"]["installed"].append(
        {"name": "Backup helper (licensed to jane.doe@example.com)", "version": "1.0"}
    )

    body = post(client, [report]).json()

    assert body["accepted"] == 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {storage.TABLE}")  # noqa: S608
        everything = repr(cursor.fetchall())
    assert "jane.doe" not in everything
    (row,) = stored(owner.installation_id)
    assert len(row.software["installed"]) == len(report["software"]["installed"]) - 1
    assert counter("removed", "email") == 1


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("cpu_model", "Intel CPU owned by max.mustermann@firma.de", "email"),
        ("os_edition", "Pro - call +49 30 12345678", "phone"),
        ("installed", r"C:\Users\hans.meier\AppData\Local\Tool", "user_path"),
    ],
)
def test_personal_data_in_other_fields_is_removed_and_counted(
    client, rng, owner, path, value, reason
):
    report = make(rng, owner)
    if path == "cpu_model":
        report["hardware"]["cpu_model"] = value
    elif path == "os_edition":
        report["software"]["os"]["edition"] = value
    else:
        report["software"]["installed"][0]["name"] = value

    assert post(client, [report]).json()["accepted"] == 1

    (row,) = stored(owner.installation_id)
    assert value not in json.dumps([row.hardware, row.software])
    assert counter("removed", reason) == 1


def test_the_client_address_is_neither_stored_nor_logged(client, rng, owner, caplog):
    caplog.set_level(logging.DEBUG)
    report = make(rng, owner, colour="blue")  # a rejection, so something is logged

    post(client, [report, make(rng, owner)])

    assert ADDRESS not in caplog.text
    with connection.cursor() as cursor:
        for table in (storage.TABLE, Installation._meta.db_table, IngestCounter._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            assert ADDRESS not in repr(cursor.fetchall())


def test_unknown_feature_names_are_counted_not_stored(client, rng, owner):
    report = make(rng, owner, features={"backup.file": 2, "backup.teleport": 5})

    post(client, [report])

    (row,) = stored(owner.installation_id)
    assert row.features == {"backup.file": 2}
    assert counter("unknown_feature", "server") == 1


@pytest.mark.parametrize(
    ("sent_at", "expected", "reason"),
    [
        (datetime(2001, 1, 1, tzinfo=UTC), timedelta(days=-30), "past"),
        (datetime(2099, 1, 1, tzinfo=UTC), timedelta(hours=1), "future"),
    ],
)
def test_a_send_time_far_off_is_clamped_and_counted(client, rng, owner, sent_at, expected, reason):
    now = timezone.now()
    report = make(rng, owner, sent_at=sent_at.isoformat())

    post(client, [report])

    (row,) = stored(owner.installation_id)
    assert abs(row.sent_at - (row.received_at + expected)) < timedelta(seconds=1)
    assert row.received_at >= now - timedelta(seconds=5)
    assert counter("clamped", reason) == 1


# --- Idempotence and installations ----------------------------------------------------------


def test_a_resent_batch_stores_nothing_twice(client, rng, owner):
    reports = [make(rng, owner) for _ in range(4)]
    post(client, reports)

    body = post(client, reports, compress=True).json()

    assert (body["accepted"], body["duplicates"], body["rejected"]) == (0, 4, 0)
    assert len(stored(owner.installation_id)) == 4


def test_a_report_twice_in_one_batch_is_stored_once(client, rng, owner):
    report = make(rng, owner)

    body = post(client, [report, report]).json()

    assert (body["accepted"], body["duplicates"]) == (1, 1)


def test_the_first_report_registers_the_installation_with_a_hash_of_its_secret(client, rng, owner):
    post(client, [make(rng, owner)])

    installation = Installation.objects.get(id=owner.installation_id)
    assert installation.status == Installation.Status.ACTIVE
    assert owner.secret not in installation.secret_hash
    assert len(installation.secret_hash) == 64


def test_reports_with_another_secret_are_rejected(client, rng, owner):
    post(client, [make(rng, owner)])
    intruder = make(rng, owner, installation_secret="x" * 40)

    body = post(client, [intruder]).json()

    assert body["rejections"] == [
        {"report_id": intruder["report_id"], "reason": "secret_mismatch", "detail": ""}
    ]
    assert len(stored(owner.installation_id)) == 1


# --- Opting out and in; status --------------------------------------------------------------


def credentials(owner, secret=None) -> str:
    return json.dumps(
        {
            "installation_id": str(owner.installation_id),
            "installation_secret": secret or owner.secret,
        }
    )


def test_opting_out_deletes_every_report_and_refuses_later_ones(client, rng, owner):
    other = sample.installation(rng)
    post(client, [make(rng, owner) for _ in range(3)] + [make(rng, other)])

    response = client.post(
        "/api/v1/telemetry/opt-out", data=credentials(owner), content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "installation_id": str(owner.installation_id),
        "status": "opted_out",
        "deleted_reports": 3,
    }
    assert stored(owner.installation_id) == []
    assert len(stored(other.installation_id)) == 1
    later = post(client, [make(rng, owner)]).json()
    assert later["accepted"] == 0
    assert later["rejections"][0]["reason"] == "opted_out"
    assert stored(owner.installation_id) == []


def test_opting_out_needs_the_secret(client, rng, owner):
    post(client, [make(rng, owner)])

    response = client.post(
        "/api/v1/telemetry/opt-out",
        data=credentials(owner, secret="y" * 40),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "secret_mismatch"
    assert len(stored(owner.installation_id)) == 1


def test_opting_out_an_unknown_installation_is_404(client, owner):
    response = client.post(
        "/api/v1/telemetry/opt-out", data=credentials(owner), content_type="application/json"
    )

    assert response.status_code == 404


def test_an_opted_out_id_is_never_reused_and_a_new_one_joins(client, rng, owner):
    post(client, [make(rng, owner)])
    client.post(
        "/api/v1/telemetry/opt-out", data=credentials(owner), content_type="application/json"
    )

    again = client.post(
        "/api/v1/telemetry/opt-in", data=credentials(owner), content_type="application/json"
    )
    fresh = sample.installation(rng)
    joined = client.post(
        "/api/v1/telemetry/opt-in", data=credentials(fresh), content_type="application/json"
    )

    assert again.status_code == 409
    assert again.json()["error"] == "installation_id_used"
    assert joined.status_code == 201
    assert post(client, [make(rng, fresh)]).json()["accepted"] == 1


def test_status_tells_a_beta_build_whether_it_may_run(client, rng, owner):
    post(client, [make(rng, owner)])
    url = f"/api/v1/telemetry/installations/{owner.installation_id}/status"

    before = client.get(url, HTTP_X_INSTALLATION_SECRET=owner.secret)
    wrong = client.get(url, HTTP_X_INSTALLATION_SECRET="z" * 40)
    missing = client.get(url)
    client.post(
        "/api/v1/telemetry/opt-out", data=credentials(owner), content_type="application/json"
    )
    after = client.get(url, HTTP_X_INSTALLATION_SECRET=owner.secret)
    unknown = client.get(
        f"/api/v1/telemetry/installations/{uuid.uuid4()}/status",
        HTTP_X_INSTALLATION_SECRET=owner.secret,
    )

    assert before.json()["participating"] is True
    assert before.json()["beta_allowed"] is True
    assert wrong.status_code == 403
    assert missing.status_code == 400
    assert after.json()["participating"] is False
    assert after.json()["beta_allowed"] is False
    assert unknown.status_code == 404


def test_installation_participates_for_other_apps(client, rng, owner):
    from telemetry.selectors import installation_participates

    assert installation_participates(installation_id=owner.installation_id) is False
    post(client, [make(rng, owner)])
    assert installation_participates(installation_id=owner.installation_id) is True
    client.post(
        "/api/v1/telemetry/opt-out", data=credentials(owner), content_type="application/json"
    )
    assert installation_participates(installation_id=owner.installation_id) is False


# --- Rate limits and failures ---------------------------------------------------------------


def test_too_many_requests_from_one_address_get_429_with_retry_after(client, rng, owner, settings):
    settings.TELEMETRY_RATE_REQUESTS_PER_ADDRESS = 2
    answers = [post(client, [make(rng, owner)]) for _ in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert len(stored(owner.installation_id)) == 2


def test_too_many_reports_from_one_installation_get_429(client, rng, owner, settings):
    settings.TELEMETRY_RATE_REPORTS_PER_INSTALLATION = 5
    other = sample.installation(rng)

    first = post(client, [make(rng, owner) for _ in range(4)])
    second = post(client, [make(rng, owner) for _ in range(2)])
    third = post(client, [make(rng, other)], REMOTE_ADDR="198.51.100.9")

    assert (first.status_code, second.status_code, third.status_code) == (202, 429, 202)
    assert second["Retry-After"]
    assert len(stored(owner.installation_id)) == 4


def test_a_database_that_cannot_store_answers_503_and_keeps_nothing(client, rng, owner):
    """The write fails: on PostgreSQL another session holds the table until the statement times
    out; on SQLite the table is missing. Either way the client is told to send again."""
    from django.db import connections

    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        other.set_autocommit(False)
        try:
            with other.cursor() as cursor:
                cursor.execute("LOCK TABLE telemetry_seenreport IN ACCESS EXCLUSIVE MODE")
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = '300ms'")
            response = post(client, [make(rng, owner)])
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        finally:
            other.rollback()
            other.close()
    else:
        with connection.cursor() as cursor:  # undone with the test's transaction
            cursor.execute("ALTER TABLE telemetry_seenreport RENAME TO telemetry_seenreport_away")
        response = post(client, [make(rng, owner)])

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert int(response["Retry-After"]) > 0
    assert stored(owner.installation_id) == []
    assert not Installation.objects.filter(id=owner.installation_id).exists()


# --- Robustness -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["report_id", "installation_id", "installation_secret", "product", "version", "sent_at"]


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from([*FIELDS, "hardware", "software", "features", "schema_version"]),
    value=json_values,
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=2),
)
def test_generated_reports_never_crash_the_endpoint(client, field, value, extra):
    owner = sample.installation(random.Random(1), product="professional")
    report = sample.report(random.Random(2), owner, sent_at=timezone.now(), installed=3)
    report[field] = value
    report.update(extra)

    response = post(client, [report])

    assert response.status_code in (202, 400)
    if response.status_code == 202:
        body = response.json()
        assert body["accepted"] + body["duplicates"] + body["rejected"] == 1


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies_get_a_4xx_or_202(client, body):
    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 202 or 400 <= response.status_code < 500
