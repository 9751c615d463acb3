"""Writes of the Customer Experience Programme: receiving reports, joining and leaving, upkeep.

A batch is handled in three steps. First every report is validated against the schema and
cleaned without touching the database: personal-data findings remove the value (or the
installed-software entry) and are counted, unknown feature names are counted and dropped, a
send time far off the receive time is clamped. Then, in one transaction: the installations are
looked up (new ones registered with a hash of their secret), report IDs are recorded (a report
seen before is a duplicate and stored no second time), the free-form values of the new reports
are counted per installation and those that fewer than ``TELEMETRY_K_ANONYMITY`` installations
have sent are replaced by their keyed hash (``telemetry.anonymity``), the new rows are written
with one COPY and the counters are added. A database failure raises ``IngestUnavailable``: the
caller answers 503 and the client keeps its reports.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import operator
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import msgspec
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from telemetry import anonymity, pii, storage
from telemetry.features import FEATURES
from telemetry.models import IngestCounter, Installation
from telemetry.schema import Report, report_decode, report_id_guess

log = logging.getLogger(__name__)

Kind = IngestCounter.Kind


class IngestUnavailable(Exception):
    """The reports could not be stored; nothing of the batch was kept."""


class InstallationError(Exception):
    """An opt-in, opt-out or status call that cannot be honoured; ``code`` names why."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejections: list[dict] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)


def secret_hash(secret: str) -> str:
    """The stored form of an installation secret. Secrets are long random strings made by the
    product, so a plain SHA-256 protects them; a slow password hash would only cost throughput.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


# --- Receiving reports ------------------------------------------------------------------------


def reports_ingest(
    *, reports: Sequence[bytes | msgspec.Raw | Report], received_at: datetime | None = None
) -> IngestResult:
    """Validate, clean and store a batch of reports; see the module docstring.

    A report may also come already decoded by ``schema.report_decode`` (the API decodes once
    for its rate limit); it is then cleaned in place.
    """
    now = received_at or timezone.now()
    result = IngestResult()
    counters: Counter[tuple[str, str]] = Counter()
    cleaned: list[tuple[Report, tuple]] = []
    in_batch: set[uuid.UUID] = set()
    cleaner = _Cleaner(now, counters)
    for raw in reports:
        try:
            report = raw if isinstance(raw, Report) else report_decode(raw)
        except msgspec.ValidationError as exc:
            reason = "unsupported_schema_version" if "$.schema_version" in str(exc) else "invalid"
            _reject(result, counters, report_id_guess(raw), reason, str(exc))
            continue
        except msgspec.DecodeError as exc:
            _reject(result, counters, None, "invalid", str(exc))
            continue
        if report.report_id in in_batch:
            result.duplicates += 1
            continue
        in_batch.add(report.report_id)
        cleaned.append((report, cleaner.row(report)))

    try:
        with transaction.atomic():
            admitted = _installations_admit(cleaned, now, result, counters)
            fresh = storage.seen_record(
                sorted((report.report_id for report, _ in admitted), key=_uuid_int),
                received_at=now,
            )
            result.duplicates += len(admitted) - len(fresh)
            new = [(report, row) for report, row in admitted if report.report_id in fresh]
            pending = cleaner.pending
            anonymity.reports_anonymise(
                reports=[report for report, _ in new if report.report_id in pending],
                day=now.date(),
            )
            rows = [_encoded(row) for _, row in new]
            storage.rows_write(rows)
            result.accepted = len(rows)
            counters_add(day=now.date(), counts=counters)
    except DatabaseError as exc:
        log.warning("usage reports not stored: %s", exc)
        raise IngestUnavailable(str(exc)) from exc
    return result


# UUIDs sort by their number; the key spares a Python-level comparison per pair.
_uuid_int = operator.attrgetter("int")


def _reject(
    result: IngestResult,
    counters: Counter[tuple[str, str]],
    report_id: str | None,
    reason: str,
    detail: str,
) -> None:
    result.rejections.append({"report_id": report_id, "reason": reason, "detail": detail})
    counters[(Kind.REJECTED, reason)] += 1


class _Cleaner:
    """Turns the reports of one batch into rows for the raw table, with personal data removed
    and counted. The reports of a batch repeat most of their values (the same programs on every
    computer, an installation's queued reports), so each value is scanned once per batch.

    ``pending`` collects the IDs of reports with a free value this process does not know in
    clear yet: only those go through ``anonymity.reports_anonymise``.
    """

    def __init__(self, now: datetime, counters: Counter) -> None:
        self.now = now
        self.counters = counters
        self.earliest = now - timedelta(days=settings.TELEMETRY_SENT_AT_MAX_AGE_DAYS)
        self.latest = now + timedelta(seconds=settings.TELEMETRY_SENT_AT_MAX_AHEAD_SECONDS)
        # (name, version) of an installed program: (reason found or None, known in clear).
        self.entries: dict[tuple[str, str], tuple[pii.Reason | None, bool]] = {}
        self.pending: set[uuid.UUID] = set()

    def row(self, report: Report) -> tuple:
        """The report's row for the raw table, in ``storage.COLUMNS`` order; the hardware and
        software are left as structs (``_encoded`` encodes them once they are anonymised)."""
        counters = self.counters
        is_known = anonymity.is_known
        hardware, software = report.hardware, report.software
        if (reason := pii.scan(hardware.cpu_model)) is not None:
            hardware.cpu_model = ""
            counters[(Kind.REMOVED, str(reason))] += 1
        known = is_known(anonymity.CPU_MODEL, hardware.cpu_model)
        system = software.os
        for free_field, name in (
            (anonymity.OS_NAME, "name"),
            (anonymity.OS_VERSION, "version"),
            (anonymity.OS_EDITION, "edition"),
        ):
            value = getattr(system, name)
            if value and (reason := pii.scan(value)) is not None:
                setattr(system, name, "")
                counters[(Kind.REMOVED, str(reason))] += 1
            elif known:
                known = is_known(free_field, value)
        kept = None
        entries = self.entries
        scan = pii.scan
        for position, entry in enumerate(software.installed):
            key = (entry.name, entry.version)
            try:
                reason, entry_known = entries[key]
            except KeyError:
                reason = scan(key[0]) or (scan(key[1]) if key[1] else None)
                entry_known = is_known(anonymity.PROGRAM_NAME, key[0]) and is_known(
                    anonymity.PROGRAM_VERSION, key[1]
                )
                entries[key] = (reason, entry_known)
            if reason is None:
                known = known and entry_known
                if kept is not None:
                    kept.append(entry)
            else:
                if kept is None:
                    kept = software.installed[:position]
                counters[(Kind.REMOVED, str(reason))] += 1
        if kept is not None:
            software.installed = kept
        if not known:
            self.pending.add(report.report_id)

        known = FEATURES[report.product]
        features = report.features
        unknown = [name for name in features if name not in known]
        if unknown:
            counters[(Kind.UNKNOWN_FEATURE, report.product)] += len(unknown)
            features = {name: count for name, count in features.items() if name in known}

        sent_at = report.sent_at
        earliest, latest = self.earliest, self.latest
        if sent_at < earliest or sent_at > latest:
            counters[(Kind.CLAMPED, "past" if sent_at < earliest else "future")] += 1
            sent_at = min(max(sent_at, earliest), latest)

        return (
            report.report_id,
            self.now,
            report.installation_id,
            report.product,
            report.version,
            sent_at,
            report.schema_version,
            hardware,
            software,
            msgspec.json.encode(features),
        )


def _encoded(row: tuple) -> tuple:
    """The row with its hardware and software encoded as JSON."""
    encode = msgspec.json.encode
    return (*row[:7], encode(row[7]), encode(row[8]), row[9])


def _installations_admit(
    cleaned: list[tuple[Report, tuple]],
    now: datetime,
    result: IngestResult,
    counters: Counter[tuple[str, str]],
) -> list[tuple[Report, tuple]]:
    """The reports whose installation may report: registered now or known with this secret."""
    if not cleaned:
        return []
    ids = {report.installation_id for report, _ in cleaned}
    found = _installations_shared(ids)
    new: dict[uuid.UUID, str] = {}
    for report, _ in cleaned:
        if report.installation_id not in found:
            new.setdefault(report.installation_id, secret_hash(report.installation_secret))
    if new:
        Installation.objects.bulk_create(
            [
                Installation(id=installation_id, secret_hash=hashed, registered_at=now)
                for installation_id, hashed in sorted(new.items())
            ],
            ignore_conflicts=True,
        )
        # Another request may have registered one of them first: its secret is the one.
        found.update(_installations_shared(new.keys()))
    known = {key: hashed for key, (hashed, status) in found.items() if status == "active"}
    admitted = []
    hashes: dict[tuple[uuid.UUID, str], str] = {}
    for report, row in cleaned:
        installation_id = report.installation_id
        stored = known.get(installation_id)
        if stored is None:
            _reject(result, counters, str(report.report_id), "opted_out", "")
            continue
        key = (installation_id, report.installation_secret)
        hashed = hashes.get(key) or hashes.setdefault(key, secret_hash(key[1]))
        if not hmac.compare_digest(stored, hashed):
            _reject(result, counters, str(report.report_id), "secret_mismatch", "")
            continue
        admitted.append((report, row))
    return admitted


def _installations_shared(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """{id: (secret hash, status)}, share-locked on PostgreSQL until the batch commits, so an
    opt-out (which locks the row for update) waits for the batch and then deletes its rows too.
    """
    ids = sorted(ids)
    table = Installation._meta.db_table
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, secret_hash, status FROM {table} WHERE id IN ({placeholders})"  # noqa: S608
            f" ORDER BY id{lock}",
            [storage.db_value(i) for i in ids],
        )
        rows = cursor.fetchall()
    return {
        (key if isinstance(key, uuid.UUID) else uuid.UUID(key)): (hashed, status)
        for key, hashed, status in rows
    }


def counters_add(*, day: date, counts: Counter) -> None:
    """Add to the day's counters in one statement (rows locked in a fixed order)."""
    if not counts:
        return
    keys = sorted(counts)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params: list = []
    for kind, reason in keys:
        params += [day, str(kind), reason[:40], counts[(kind, reason)]]
    table = IngestCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, kind, reason, count) VALUES {values}"  # noqa: S608
            " ON CONFLICT (day, kind, reason)"
            f" DO UPDATE SET count = {table}.count + EXCLUDED.count",
            params,
        )


# --- Joining, leaving, status -------------------------------------------------------------------


def _installation_checked(*, installation_id: uuid.UUID, secret: str) -> Installation:
    installation = Installation.objects.filter(id=installation_id).first()
    if installation is None:
        raise InstallationError(
            "unknown_installation", "No installation with this ID takes part.", 404
        )
    if not hmac.compare_digest(installation.secret_hash, secret_hash(secret)):
        raise InstallationError(
            "secret_mismatch", "The installation secret does not match this installation.", 403
        )
    return installation


@transaction.atomic
def installation_opt_in(*, installation_id: uuid.UUID, secret: str) -> Installation:
    """Register a new installation ID explicitly. An ID that was ever used is refused: after
    leaving, the product generates a new ID, so old and new reports cannot be linked."""
    installation, created = Installation.objects.get_or_create(
        id=installation_id, defaults={"secret_hash": secret_hash(secret)}
    )
    if not created:
        raise InstallationError(
            "installation_id_used",
            "This installation ID has been used already; generate a new one to join.",
            409,
        )
    return installation


@transaction.atomic
def installation_opt_out(*, installation_id: uuid.UUID, secret: str) -> int:
    """Stop accepting reports from the installation and delete every raw report it sent.

    Returns how many reports were deleted (0 when it had opted out before).
    """
    installation = _installation_checked(installation_id=installation_id, secret=secret)
    installation = Installation.objects.select_for_update().get(pk=installation.pk)
    if installation.status != Installation.Status.OPTED_OUT:
        installation.status = Installation.Status.OPTED_OUT
        installation.opted_out_at = timezone.now()
        installation.save(update_fields=["status", "opted_out_at"])
    anonymity.installation_forget(installation_id=installation.id)
    return storage.installation_delete([installation.id])


def installation_status(*, installation_id: uuid.UUID, secret: str) -> Installation:
    return _installation_checked(installation_id=installation_id, secret=secret)


# --- Upkeep -------------------------------------------------------------------------------------


def partitions_maintain(*, today: date | None = None) -> dict:
    """Create the coming days' partitions and drop those past the retention period."""
    now = timezone.now()
    today = today or now.date()
    created = storage.partitions_ensure(
        first=today - timedelta(days=1), days=settings.TELEMETRY_PARTITIONS_AHEAD_DAYS + 2
    )
    cutoff = now - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    expired = storage.expire(before=cutoff)
    with transaction.atomic():
        sightings = anonymity.sightings_expire(before=cutoff.date())
    return {"created": [str(day) for day in created], **expired, "sightings_expired": sightings}
