"""K-anonymity of the free-form values of usage reports: nobody's one-off value is kept in clear.

The free-form fields (``schema.FREE_FIELDS``: program names and versions, the OS name, version
and edition, the CPU model) can hold anything a person typed, and no detector recognises a name
on its own. So whatever their content, a value is stored in clear only once at least
``TELEMETRY_K_ANONYMITY`` distinct installations have sent the same value of the same field.
Until then only its keyed hash is kept: HMAC-SHA256 with ``TELEMETRY_VALUE_HASH_KEY`` (or, when
that is empty, a key derived from ``SECRET_KEY``) over the field and the value.

* ``FreeValue`` holds one row per field and hash: the number of distinct installations, and the
  value itself, filled by the report that makes it the K-th installation (the clear text is
  known then because that report carries it).
* ``FreeValueSighting`` holds (field, hash, installation) for values not yet known in clear, so
  an installation that sends a value again does not count twice. A value's sightings are
  deleted when it reaches the threshold; an installation's when it leaves the programme (its
  values count one installation less); all of them after ``TELEMETRY_RETENTION_DAYS`` (so the
  threshold counts installations that sent the value within that time).
* In a raw report a value below the threshold is replaced by its marker, ``#`` and the 64 hex
  digits of the hash (``MARKER_LENGTH`` characters). The roll-ups resolve a marker whose value
  has reached the threshold since and count the others as ``rollups.RARE``.

Every step is one statement for the whole batch (arrays on PostgreSQL, VALUES lists in chunks
on SQLite). Values known in clear are remembered per process once the transaction that saw
them commits, so in the steady state, where reports carry common values only, a batch runs no
statement at all here. Knowing a value in clear is never undone, so the memory cannot go stale.

The threshold cannot tell installations of one person apart from those of many: anybody who
generates K installation IDs and sends the same value from each makes it known in clear.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from telemetry import storage
from telemetry.models import FreeValue, FreeValueSighting
from telemetry.schema import Report

MARKER = "#"
MARKER_LENGTH = 1 + 64

CPU_MODEL, OS_NAME, OS_VERSION, OS_EDITION, PROGRAM_NAME, PROGRAM_VERSION = (
    "hardware.cpu_model",
    "software.os.name",
    "software.os.version",
    "software.os.edition",
    "software.installed[].name",
    "software.installed[].version",
)
_OS_FIELDS = ((OS_NAME, "name"), (OS_VERSION, "version"), (OS_EDITION, "edition"))

VALUES = FreeValue._meta.db_table
SIGHTINGS = FreeValueSighting._meta.db_table

# SQLite binds at most 32,766 parameters a statement; a chunk of rows stays far below.
_SQLITE_ROWS = 500
# Values known in clear, as (field, value). Bounded: past the limit it starts over (the
# database still knows them, so forgetting costs one lookup).
_KNOWN_LIMIT = 200_000
_known: set[tuple[str, str]] = set()

Key = tuple[str, str]


def threshold() -> int:
    """K: the distinct installations a value needs before it is kept in clear (at least 1)."""
    return max(1, int(settings.TELEMETRY_K_ANONYMITY))


def is_known(field: str, value: str) -> bool:
    """Whether this process has seen the value known in clear (committed); empty values are."""
    return not value or (field, value) in _known


def known_forget() -> None:
    """Forget the values remembered as known in clear (they are looked up again)."""
    _known.clear()


def _remember(keys: set[Key]) -> None:
    if len(_known) + len(keys) > _KNOWN_LIMIT:
        _known.clear()
    _known.update(keys)


@functools.lru_cache(maxsize=8)
def _key(configured: str, secret_key: str) -> bytes:
    if configured:
        return configured.encode()
    return hmac.new(secret_key.encode(), b"novadesk.telemetry.value-hash", hashlib.sha256).digest()


@functools.lru_cache(maxsize=100_000)
def _hash(key: bytes, field: str, value: str) -> str:
    return hmac.new(key, f"{field}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def value_hash(field: str, value: str) -> str:
    """The keyed hash of a value of a field (64 hex digits)."""
    return _hash(_key(settings.TELEMETRY_VALUE_HASH_KEY, settings.SECRET_KEY), field, value)


def marker(field: str, value: str) -> str:
    """What a raw report holds in place of a value below the threshold."""
    return MARKER + value_hash(field, value)


def _free_values(report: Report) -> Iterator[Key]:
    hardware, software = report.hardware, report.software
    yield CPU_MODEL, hardware.cpu_model
    system = software.os
    yield OS_NAME, system.name
    yield OS_VERSION, system.version
    yield OS_EDITION, system.edition
    for entry in software.installed:
        yield PROGRAM_NAME, entry.name
        yield PROGRAM_VERSION, entry.version


def reports_anonymise(*, reports: Sequence[Report], day: date) -> None:
    """Count the reports' installations for each free value not known in clear, make known the
    values that reach the threshold, and replace in the reports (in place) every value still
    below it by its marker. Runs inside the caller's transaction; the reports are those about
    to be stored (admitted, not duplicates), so nothing else counts."""
    pending: dict[Key, set[uuid.UUID]] = {}
    for report in reports:
        installation_id = report.installation_id
        for key in _free_values(report):
            if not is_known(*key):
                pending.setdefault(key, set()).add(installation_id)
    if not pending:
        return
    hashes = {key: value_hash(*key) for key in pending}
    by_hash = {(field, hashes[(field, value)]): (field, value) for field, value in pending}

    known: set[Key] = set()
    counts: dict[Key, int] = {}
    for field, hashed, installations, revealed in _values_read(sorted(by_hash)):
        key = by_hash[(field, hashed)]
        counts[key] = installations
        if revealed:
            known.add(key)

    unknown = [key for key in pending if key not in known]
    sightings = sorted(
        (key[0], hashes[key], installation_id)
        for key in unknown
        for installation_id in pending[key]
    )
    added = Counter(_sightings_add(sightings, day))
    if added:
        for field, hashed, installations in _values_count(sorted(added.items())):
            counts[by_hash[(field, hashed)]] = installations

    k = threshold()
    reaching = sorted(key for key in unknown if counts.get(key, 0) >= k)
    if reaching:
        _values_reveal([(field, hashes[(field, value)], value) for field, value in reaching])
        known.update(reaching)
    if known:
        transaction.on_commit(lambda: _remember(known))

    for report in reports:
        _report_mask(report, known)


def _report_mask(report: Report, known: set[Key]) -> None:
    hardware, software = report.hardware, report.software
    if not (is_known(CPU_MODEL, hardware.cpu_model) or (CPU_MODEL, hardware.cpu_model) in known):
        hardware.cpu_model = marker(CPU_MODEL, hardware.cpu_model)
    system = software.os
    for field, attribute in _OS_FIELDS:
        value = getattr(system, attribute)
        if not (is_known(field, value) or (field, value) in known):
            setattr(system, attribute, marker(field, value))
    for entry in software.installed:
        name, version = entry.name, entry.version
        if not (is_known(PROGRAM_NAME, name) or (PROGRAM_NAME, name) in known):
            entry.name = marker(PROGRAM_NAME, name)
        if not (is_known(PROGRAM_VERSION, version) or (PROGRAM_VERSION, version) in known):
            entry.version = marker(PROGRAM_VERSION, version)


# --- The statements ---------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _chunks(rows: Sequence, size: int = _SQLITE_ROWS) -> Iterator[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _values_read(keys: list[tuple[str, str]]) -> list[tuple[str, str, int, bool]]:
    """(field, hash, installations, known in clear) of the values that have a row."""
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                f"SELECT v.field, v.value_hash, v.installations, v.value IS NOT NULL"  # noqa: S608
                f" FROM {VALUES} AS v"
                " JOIN unnest(%s::varchar[], %s::varchar[]) AS k(field, value_hash)"
                " ON v.field = k.field AND v.value_hash = k.value_hash",
                [[field for field, _ in keys], [hashed for _, hashed in keys]],
            )
            return [(f, h, n, bool(r)) for f, h, n, r in cursor.fetchall()]
        rows = []
        for chunk in _chunks(keys):
            cursor.execute(
                f"SELECT field, value_hash, installations, value IS NOT NULL FROM {VALUES}"  # noqa: S608
                f" WHERE (field, value_hash) IN (VALUES {', '.join(['(%s, %s)'] * len(chunk))})",
                [part for key in chunk for part in key],
            )
            rows += [(f, h, n, bool(r)) for f, h, n, r in cursor.fetchall()]
        return rows


def _sightings_add(sightings: list[tuple[str, str, uuid.UUID]], day: date) -> list[Key]:
    """Record (field, hash, installation) sightings; returns (field, hash) of each new one."""
    if not sightings:
        return []
    statement = (
        f"INSERT INTO {SIGHTINGS} (field, value_hash, installation_id, first_seen) {{rows}}"
        " ON CONFLICT (field, value_hash, installation_id) DO NOTHING"
        " RETURNING field, value_hash"
    )
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                statement.format(
                    rows="SELECT field, value_hash, installation_id, %s::date FROM unnest("
                    "%s::varchar[], %s::varchar[], %s::uuid[]) AS s(field, value_hash,"
                    " installation_id) ORDER BY 1, 2, 3"
                ),
                [day, *(list(column) for column in zip(*sightings, strict=True))],
            )
            return cursor.fetchall()
        added = []
        at = day.isoformat()
        for chunk in _chunks(sightings):
            cursor.execute(
                statement.format(rows="VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(chunk))),
                [
                    part
                    for field, hashed, installation_id in chunk
                    for part in (field, hashed, storage.db_value(installation_id), at)
                ],
            )
            added += cursor.fetchall()
        return added


def _values_count(added: list[tuple[Key, int]]) -> list[tuple[str, str, int]]:
    """Add new installations to the values (creating rows as needed, locked in key order);
    returns (field, hash, installations) after the addition."""
    statement = (
        f"INSERT INTO {VALUES} (field, value_hash, installations) {{rows}}"
        " ON CONFLICT (field, value_hash)"
        f" DO UPDATE SET installations = {VALUES}.installations + EXCLUDED.installations"
        " RETURNING field, value_hash, installations"
    )
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                statement.format(
                    rows="SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::int[])"
                    " ORDER BY 1, 2"
                ),
                [
                    [field for (field, _), _n in added],
                    [hashed for (_, hashed), _n in added],
                    [count for _key, count in added],
                ],
            )
            return cursor.fetchall()
        rows = []
        for chunk in _chunks(added):
            cursor.execute(
                statement.format(rows="VALUES " + ", ".join(["(%s, %s, %s)"] * len(chunk))),
                [part for (field, hashed), count in chunk for part in (field, hashed, count)],
            )
            rows += cursor.fetchall()
        return rows


def _values_reveal(rows: list[tuple[str, str, str]]) -> None:
    """Keep the clear text of (field, hash, value) rows that reached the threshold, and drop
    their sightings, which are not needed any more."""
    with connection.cursor() as cursor:
        if _postgres():
            fields, hashes, values = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f"UPDATE {VALUES} AS v SET value = k.value"  # noqa: S608
                " FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[])"
                " AS k(field, value_hash, value)"
                " WHERE v.field = k.field AND v.value_hash = k.value_hash AND v.value IS NULL",
                [fields, hashes, values],
            )
            cursor.execute(
                f"DELETE FROM {SIGHTINGS} AS s"  # noqa: S608
                " USING unnest(%s::varchar[], %s::varchar[]) AS k(field, value_hash)"
                " WHERE s.field = k.field AND s.value_hash = k.value_hash",
                [fields, hashes],
            )
            return
        for chunk in _chunks(rows):
            cursor.execute(
                f"UPDATE {VALUES} SET value = k.column3"  # noqa: S608
                f" FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))}) AS k"
                f" WHERE {VALUES}.field = k.column1 AND {VALUES}.value_hash = k.column2"
                f" AND {VALUES}.value IS NULL",
                [part for row in chunk for part in row],
            )
            cursor.execute(
                f"DELETE FROM {SIGHTINGS} WHERE (field, value_hash) IN"  # noqa: S608
                f" (VALUES {', '.join(['(%s, %s)'] * len(chunk))})",
                [part for field, hashed, _value in chunk for part in (field, hashed)],
            )


# --- Leaving and expiry -----------------------------------------------------------------------


def _sightings_drop(where: str, params: list) -> int:
    """Delete the sightings matching ``where``; each counts one installation less for its value.
    Values left with none and not known in clear are deleted. Returns the sightings dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT field, value_hash, COUNT(*) FROM {SIGHTINGS} WHERE {where}"  # noqa: S608
            " GROUP BY field, value_hash ORDER BY field, value_hash",
            params,
        )
        lost = cursor.fetchall()
        if not lost:
            return 0
        cursor.execute(f"DELETE FROM {SIGHTINGS} WHERE {where}", params)  # noqa: S608
        for chunk in _chunks(lost):
            keys = ", ".join(["(%s, %s)"] * len(chunk))
            key_params = [part for field, hashed, _n in chunk for part in (field, hashed)]
            cursor.execute(
                f"UPDATE {VALUES} SET installations = installations - CASE "  # noqa: S608
                + " ".join(["WHEN field = %s AND value_hash = %s THEN %s"] * len(chunk))
                + f" ELSE 0 END WHERE value IS NULL AND (field, value_hash) IN ({keys})",
                [part for row in chunk for part in row] + key_params,
            )
            cursor.execute(
                f"DELETE FROM {VALUES} WHERE value IS NULL AND installations <= 0"  # noqa: S608
                f" AND (field, value_hash) IN ({keys})",
                key_params,
            )
    return sum(count for _f, _h, count in lost)


def installation_forget(*, installation_id: uuid.UUID) -> int:
    """Stop counting a leaving installation for the values not known in clear."""
    return _sightings_drop("installation_id = %s", [storage.db_value(installation_id)])


def sightings_expire(*, before: date) -> int:
    """Stop counting sightings first recorded before ``before`` (the retention period)."""
    day = before if _postgres() else before.isoformat()
    return _sightings_drop("first_seen < %s", [day])
