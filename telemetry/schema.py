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
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
    """Every leaf of the report with its type and its form in words, for the public page."""
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
        name = path.rpartition(".")[2]
        rows.append(_row(path, node, required, _words(node, name, resolve)))

    walk(schema, "", True)
    return rows


def _row(path: str, node: dict, required: bool, words: str) -> dict:
    kind = node.get("type") or (
        "integer" if all(isinstance(v, int) for v in node.get("enum", [""])) else "string"
    )
    checked = dict(PII_CHECKED)
    return {
        "path": path,
        "type": kind,
        "required": required,
        "form": words,
        "description": FIELD_DESCRIPTIONS.get(path, ""),
        "pii_checked": checked.get(path) or checked.get(f"{path}[].name"),
    }


# --- The form of each value, in words ------------------------------------------------------------


def _pattern(annotated: object) -> str:
    return annotated.__metadata__[0].pattern  # type: ignore[attr-defined]


# A regular expression cannot be read out to a customer, so every pattern of the schema has its
# words here (the suite checks that none is missing).
PATTERN_WORDS: dict[str, object] = {
    _pattern(ProductVersion): _("a version number such as 21.2.1"),
    _pattern(Secret): _(
        "a random code of 32 to 128 letters, digits and punctuation marks that the product "
        "generates"
    ),
    _pattern(FeatureName): _("a feature name such as backup.file"),
}
FORMAT_WORDS: dict[str, object] = {
    "uuid": _("an anonymous ID generated by the product"),
    "date-time": _("a date and time with its time zone"),
}
# Sizes are named by the field's suffix (memory_mb, size_gb).
SIZE_UNITS = ("mb", "gb", "tb")
SIZE_WORDS: dict[str, object] = {
    "mb": _("a number of megabytes, up to %(size)s"),
    "gb": _("a number of gigabytes, up to %(size)s"),
}


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def _size(value: int, unit: str) -> str:
    """``value`` in ``unit`` in the largest unit up to TB it fills exactly: 67108864 MB is 64 TB."""
    index = SIZE_UNITS.index(unit)
    while index < len(SIZE_UNITS) - 1:
        if value % 1024 == 0:
            value //= 1024
        elif value % 1000 == 0:
            value //= 1000
        else:
            break
        index += 1
    return f"{_number(value)} {SIZE_UNITS[index].upper()}"


def _words(node: dict, name: str, resolve: Callable[[dict], dict]) -> str:
    """What a value of ``node`` looks like, in the active language; derived from its limits."""
    if "enum" in node:
        values = [str(value) for value in node["enum"]]
        if len(values) == 1:
            return _("always %(value)s") % {"value": values[0]}
        return _("one of: %(values)s") % {"values": ", ".join(values)}
    if "pattern" in node:
        return str(PATTERN_WORDS[node["pattern"]])
    if "format" in node:
        return str(FORMAT_WORDS[node["format"]])
    kind = node.get("type")
    if kind == "integer":
        unit = name.rpartition("_")[2]
        if unit in SIZE_WORDS and "maximum" in node:
            return SIZE_WORDS[unit] % {"size": _size(node["maximum"], unit)}
        return _("a whole number from %(min)s to %(max)s") % {
            "min": _number(node.get("minimum", 0)),
            "max": _number(node["maximum"]),
        }
    if kind == "string":
        return ngettext(
            "text of up to %(count)s character", "text of up to %(count)s characters",
            node["maxLength"],
        ) % {"count": _number(node["maxLength"])}  # fmt: skip
    if kind == "array":
        item = resolve(node["items"])
        parts = "; ".join(
            f"{part} ({_words(resolve(child), part, resolve)})"
            for part, child in sorted(item["properties"].items())
        )
        return ngettext(
            "a list of up to %(count)s entry, each with %(parts)s",
            "a list of up to %(count)s entries, each with %(parts)s",
            node["maxItems"],
        ) % {"count": _number(node["maxItems"]), "parts": parts}
    # A map, such as the feature counters: names of one form, each with a value of another.
    return ngettext(
        "up to %(count)s entry, each with a name (%(key)s) and a count (%(value)s)",
        "up to %(count)s entries, each with a name (%(key)s) and a count (%(value)s)",
        node["maxProperties"],
    ) % {
        "count": _number(node["maxProperties"]),
        "key": _words(node["propertyNames"], "", resolve),
        "value": _words(resolve(node["additionalProperties"]), "", resolve),
    }
