"""The feature counters each product may report, by internal name.

A report may name only features of its product; any other name is counted (so a client that
sends wrong names shows up in the staff charts) and dropped, never stored. Adding a feature to a
product is a change here, shipped with the product release that counts it.
"""

from __future__ import annotations

_DESKTOP = [
    "backup.file",
    "backup.image",
    "backup.incremental",
    "backup.differential",
    "restore.file",
    "restore.image",
    "restore.bare_metal",
    "schedule.created",
    "schedule.run",
    "schedule.missed",
    "destination.local",
    "destination.usb",
    "destination.nas",
    "destination.cloud",
    "encryption.enabled",
    "compression.enabled",
    "verify.run",
    "notification.email",
    "rescue_media.created",
    "ui.settings_opened",
    "ui.log_viewed",
]
_SERVER = [
    *_DESKTOP,
    "backup.sql",
    "backup.exchange",
    "backup.hyperv",
    "backup.vmware",
    "restore.sql",
    "restore.exchange",
    "restore.vm",
    "destination.tape",
]
_MANAGED = [
    "console.device_added",
    "console.policy_applied",
    "console.report_viewed",
    "agent.deployed",
    "agent.updated",
]

FEATURES: dict[str, frozenset[str]] = {
    "professional": frozenset(_DESKTOP),
    "server": frozenset(_SERVER),
    "business-essentials": frozenset(_SERVER),
    "network": frozenset([*_SERVER, *_MANAGED]),
    "xsp": frozenset([*_SERVER, *_MANAGED, "tenant.created", "tenant.billing_exported"]),
    "remote-workforce": frozenset([*_DESKTOP, *_MANAGED]),
}
