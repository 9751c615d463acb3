"""Hand-made usage reports for the roll-up and dashboard tests: every field chosen by hand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from telemetry import services

DAY = date(2026, 3, 10)


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=UTC)


@dataclass(frozen=True)
class Owner:
    installation_id: uuid.UUID
    product: str = "professional"
    version: str = "21.2.1"

    @property
    def secret(self) -> str:
        return f"secret-of-{self.installation_id.hex}"


def owner(number: int, **fields) -> Owner:
    return Owner(installation_id=uuid.UUID(int=number, version=4), **fields)


def report(
    who: Owner,
    *,
    version: str | None = None,
    cores: int = 4,
    memory_mb: int = 16384,
    disks: tuple[str, ...] = ("ssd",),
    virtualization: str = "none",
    os: tuple[str, str] = ("Windows", "10.0.22631"),
    features: dict[str, int] | None = None,
    sent_at: datetime | None = None,
) -> dict:
    return {
        "schema_version": 1,
        "report_id": str(uuid.uuid4()),
        "installation_id": str(who.installation_id),
        "installation_secret": who.secret,
        "product": who.product,
        "version": version or who.version,
        "sent_at": sent_at.isoformat() if sent_at else None,  # None: set by ingest()
        "hardware": {
            "cpu_model": "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
            "cpu_cores": cores,
            "memory_mb": memory_mb,
            "disks": [{"type": kind, "size_gb": 512} for kind in disks],
            "virtualization": virtualization,
        },
        "software": {
            "os": {"name": os[0], "version": os[1], "edition": "Pro"},
            "installed": [{"name": "7-Zip 23.01 (x64)", "version": "23.01"}],
        },
        "features": features or {},
    }


def ingest(received_at: datetime, *reports: dict) -> services.IngestResult:
    """Ingest reports as received at ``received_at`` (sent a minute before unless set)."""
    encoded = []
    for item in reports:
        if item["sent_at"] is None:
            item = {**item, "sent_at": (received_at - timedelta(minutes=1)).isoformat()}
        encoded.append(msgspec.json.encode(item))
    result = services.reports_ingest(reports=encoded, received_at=received_at)
    assert result.rejected == 0, result.rejections
    return result
