"""IP addresses in the identifier-like values of a usage report, told apart from dotted
versions (see ``telemetry.pii``)."""

from __future__ import annotations

import ipaddress
import re

# Four numbers joined by dots, not part of a longer dotted sequence or a word.
_IPV4 = re.compile(r"[0-9](?<![\w.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![\w]|\.[0-9])")
# Groups of hex digits joined by colons (at least two colons), optionally ending in an IPv4
# part and a zone; ipaddress decides whether it is an address.
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?"
    r"(?:%[\w.-]+)?(?![\w:.])",
    re.IGNORECASE,
)
# What marks a dotted quad as an address whatever its numbers: a port or prefix length after
# it, or a word naming it before.
_IP_AFTER = re.compile(r"[:/][0-9]{1,5}(?![\w.])")
_IP_BEFORE = re.compile(r"(?:\bip(?:v4)?|\bhost|\baddr(?:ess)?|\badresse|//|@)\s*[:=]?\s*$", re.I)
# Small numbers in every place but one ("4.0.0.57", "7.6.3.2") are a four-part version.
_VERSION_MAJOR_MAX = 30


def has_ip_address(value: str) -> bool:
    """Whether the value holds an IPv4 or IPv6 address rather than a version."""
    if "." in value:
        for match in _IPV4.finditer(value):
            text = match.group()
            try:
                ipaddress.IPv4Address(text)
            except ValueError:
                continue
            start, end = match.span()
            if _IP_AFTER.match(value, end) or _IP_BEFORE.search(value, max(0, start - 12), start):
                return True
            if not _is_version_shaped(text):
                return True
    if ":" in value:
        for match in _IPV6.finditer(value):
            text = match.group()
            if sum(1 for group in text.split("%")[0].split(":") if group) < 2:
                continue  # "::", "::1", "a::": no address anyone is reached at
            try:
                ipaddress.IPv6Address(text)
            except ValueError:
                continue
            return True
    return False


def _is_version_shaped(text: str) -> bool:
    parts = [int(part) for part in text.split(".")]
    return parts[0] <= _VERSION_MAJOR_MAX and sum(part <= 9 for part in parts) >= 2
