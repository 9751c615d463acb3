"""The usage report an installed product sends: version 1 of the published contract.

Installed products are built against this contract, so version 1 never changes; a later version
may add fields under a new ``schema_version``. Everything the server accepts is declared here:
the JSON Schema served at ``/api/v1/telemetry/schema`` and the public page that lists what the
programme collects are both generated from these types, so neither can drift from what the
ingestion endpoint accepts. Unknown fields are rejected, every string is bounded, and the
values that could carry free text are checked for personal data before anything is stored
(``telemetry.pii``; which values are removed is listed in ``PII_CHECKED``). Those same free-form
values (``FREE_FIELDS``) are kept in clear only once enough installations have sent the same
value (``telemetry.anonymity``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from django.utils.translation import gettext_lazy as _

from entitlements.catalogue import ALL_PRODUCTS

SCHEMA_VERSION = 1

# Product codes are those of the catalogue (entitlements); a new product needs a new release
# of the contract anyway, so the list is fixed here rather than read from the database.
ProductCode = Literal[tuple(ALL_PRODUCTS)]  # type: ignore[valid-type]

Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
VersionText = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
ProductVersion = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,5}){0,2}$", max_length=20)
]
Secret = Annotated[str, msgspec.Meta(pattern=r"^[\x21-\x7e]{32,128}$")]
FeatureName = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,30}(\.[a-z0-9_]{1,30}){1,3}$", max_length=64)
]
Count = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]

DiskType = Literal["ssd", "hdd", "nvme", "usb", "network", "optical", "other"]
Virtualization = Literal[
    "none", "vmware", "hyper-v", "kvm", "xen", "virtualbox", "parallels", "container", "other"
]


# The report's structs are not tracked by the garbage collector (``gc=False``): they hold only
# strings, numbers and lists or dicts of them, so they cannot form reference cycles, and a batch
# of 100 reports creates some 5,000 of them, whose tracking cost more than a third of decoding.
class Disk(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    type: DiskType
    size_gb: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class Hardware(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    cpu_model: Identifier
    cpu_cores: Annotated[int, msgspec.Meta(ge=1, le=4096)]
    memory_mb: Annotated[int, msgspec.Meta(ge=1, le=64 * 1024 * 1024)]
    disks: Annotated[list[Disk], msgspec.Meta(max_length=64)] = []
    virtualization: Virtualization = "none"


class OperatingSystem(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    version: VersionText
    edition: Annotated[str, msgspec.Meta(max_length=60)] = ""


class InstalledSoftware(msgspec.Struct, forbid_unknown_fields=True, array_like=False, gc=False):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    version: Annotated[str, msgspec.Meta(max_length=60)] = ""


class Software(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    os: OperatingSystem
    installed: Annotated[list[InstalledSoftware], msgspec.Meta(max_length=1000)] = []


class Report(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One usage report, as sent by an installation."""

    schema_version: Literal[1]
    report_id: uuid.UUID
    installation_id: uuid.UUID
    installation_secret: Secret
    product: ProductCode
    version: ProductVersion
    sent_at: Annotated[datetime, msgspec.Meta(tz=True)]
    hardware: Hardware
    software: Software
    features: Annotated[dict[FeatureName, Count], msgspec.Meta(max_length=500)] = {}


class ReportHead(msgspec.Struct):
    """What can be read of a report that failed validation, to name it in the answer."""

    report_id: str | None = None


class Batch(msgspec.Struct, forbid_unknown_fields=True):
    reports: list[msgspec.Raw]


# The values a person could type or name: checked by telemetry.pii; what happens on a finding.
PII_CHECKED: list[tuple[str, str]] = [
    ("hardware.cpu_model", "removed"),
    ("software.os.name", "removed"),
    ("software.os.version", "removed"),
    ("software.os.edition", "removed"),
    ("software.installed[].name", "entry removed"),
    ("software.installed[].version", "entry removed"),
]

# The free-form values: whatever their content, each is kept in clear only once
# TELEMETRY_K_ANONYMITY installations have sent the same value (telemetry.anonymity).
FREE_FIELDS: tuple[str, ...] = (
    "hardware.cpu_model",
    "software.os.name",
    "software.os.version",
    "software.os.edition",
    "software.installed[].name",
    "software.installed[].version",
)

# What each field is, for the public page (English here, German from the catalog).
FIELD_DESCRIPTIONS: dict[str, object] = {
    "schema_version": _("The version of this report format."),
    "report_id": _(
        "A random number that identifies the report, so a resent report is not counted twice."
    ),
    "installation_id": _(
        "A random number the product generates when you join the programme. It is not derived "
        "from your computer, your licence or you; joining again generates a new one."
    ),
    "installation_secret": _(
        "A random password the product generates with the installation ID, so nobody else can "
        "send reports for it or leave the programme in its name. Only a hash of it is kept."
    ),
    "product": _("Which product sent the report."),
    "version": _("The version of the product."),
    "sent_at": _("When the product sent the report."),
    "hardware.cpu_model": _("The processor model."),
    "hardware.cpu_cores": _("The number of processor cores."),
    "hardware.memory_mb": _("The installed memory, in megabytes."),
    "hardware.disks": _("Each disk's type and size; no names, labels or serial numbers."),
    "hardware.virtualization": _("Whether the computer is a virtual machine, and of which kind."),
    "software.os.name": _("The operating system's name."),
    "software.os.version": _("The operating system's version."),
    "software.os.edition": _("The operating system's edition."),
    "software.installed": _("The names and versions of installed programs."),
    "features": _(
        "How often each feature of the product was used since the last report, by its "
        "internal name; nothing about the files or settings involved."
    ),
}

NEVER_COLLECTED = [
    _("names, postal addresses, phone numbers or e-mail addresses"),
    _("anything typed on the keyboard"),
    _("file names, folder names or the contents of backups"),
    _("your IP address (it is neither stored nor logged)"),
    _("licence keys or anything that links a report to your customer account"),
]

_decoder = msgspec.json.Decoder(Report)
_batch_decoder = msgspec.json.Decoder(Batch)
_head_decoder = msgspec.json.Decoder(ReportHead)


def report_decode(raw: bytes | msgspec.Raw) -> Report:
    """The report, validated; ``msgspec.ValidationError``/``DecodeError`` name what is wrong."""
    return _decoder.decode(raw)


def batch_decode(body: bytes) -> Batch:
    return _batch_decoder.decode(body)


def report_id_guess(raw: bytes | msgspec.Raw) -> str | None:
    """The report ID of a report that failed validation, when one can be read."""
    try:
        value = _head_decoder.decode(raw).report_id
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return value[:64] if isinstance(value, str) else None


def json_schema() -> dict:
    """The JSON Schema of a report, version 1."""
    schema = msgspec.json.schema(Report)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "NovaDesk usage report"
    schema["description"] = (
        "One report of the Customer Experience Programme, schema version 1. Send reports in "
        '{"reports": [...]} to POST /api/v1/telemetry/reports.'
    )
    return schema


def fields() -> list[dict]:
    """Every leaf of the report with its type and limits, for the public page."""
    schema = msgspec.json.schema(Report)
    definitions = schema["$defs"]

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        return node

    rows: list[dict] = []

    def walk(node: dict, path: str, required: bool) -> None:
        node = resolve(node)
        if node.get("type") == "object" and "properties" in node:
            for name, child in node["properties"].items():
                walk(child, f"{path}.{name}" if path else name, name in node.get("required", []))
            return
        if node.get("type") == "array" and path in ("hardware.disks", "software.installed"):
            item = resolve(node["items"])
            rows.append(_row(path, node, required, parts=sorted(item["properties"])))
            return
        rows.append(_row(path, node, required))

    walk(schema, "", True)
    return rows


def _row(path: str, node: dict, required: bool, parts: list[str] | None = None) -> dict:
    kind = node.get("type") or (
        "integer" if all(isinstance(v, int) for v in node.get("enum", [""])) else "string"
    )
    limits = []
    if "minimum" in node and "maximum" in node:
        limits.append(f"{node['minimum']}–{node['maximum']}")  # noqa: RUF001 - a range
    if "enum" in node:
        limits.append(", ".join(str(value) for value in node["enum"]))
    if "format" in node:
        limits.append(node["format"])
    if "pattern" in node and path not in ("installation_secret",):
        limits.append(node["pattern"])
    if "maxLength" in node:
        limits.append(f"≤ {node['maxLength']}")
    if "maxItems" in node:
        limits.append(f"≤ {node['maxItems']}")
    if "maxProperties" in node:
        limits.append(f"≤ {node['maxProperties']}")
    if parts:
        limits.append(" + ".join(parts))
    checked = dict(PII_CHECKED)
    return {
        "path": path,
        "type": kind,
        "required": required,
        "limits": "; ".join(limits),
        "description": FIELD_DESCRIPTIONS.get(path, ""),
        "pii_checked": checked.get(path) or checked.get(f"{path}[].name"),
    }
