"""Which versions are supported: a major is supported until 18 months after the next major."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from entitlements.models import Product, Release

SUPPORT_MONTHS_AFTER_SUCCESSOR = 18


@dataclass(frozen=True)
class VersionStatus:
    product: Product
    version: str
    release: Release | None
    supported: bool
    supported_until: date | None  # None: supported until a successor exists
    latest_version: str | None

    @property
    def known(self) -> bool:
        return self.release is not None


def major_support_ends(releases: list[Release]) -> dict[int, date | None]:
    """Map each major of one product to the last day it is supported (None: no successor yet)."""
    first_of_major: dict[int, date] = {}
    for release in releases:
        current = first_of_major.get(release.major)
        if current is None or release.released_on < current:
            first_of_major[release.major] = release.released_on
    majors = sorted(first_of_major)
    ends: dict[int, date | None] = {}
    for index, major in enumerate(majors):
        successor = majors[index + 1] if index + 1 < len(majors) else None
        ends[major] = (
            first_of_major[successor] + relativedelta(months=SUPPORT_MONTHS_AFTER_SUCCESSOR)
            if successor is not None
            else None
        )
    return ends


def is_supported(supported_until: date | None, on: date) -> bool:
    return supported_until is None or on <= supported_until


def version_status(*, product: Product, version: str, on: date) -> VersionStatus:
    """Say whether ``version`` of ``product`` is supported on ``on``, and until when."""
    releases = [r for r in product.releases.all() if r.released_on <= on and not r.is_beta]
    ends = major_support_ends(releases)
    release = next((r for r in releases if r.version == version.strip()), None)
    latest = max(releases, key=lambda r: (r.major, r.minor, r.patch), default=None)
    latest_version = latest.version if latest else None
    if release is None:
        return VersionStatus(product, version, None, False, None, latest_version)
    until = ends[release.major]
    return VersionStatus(product, version, release, is_supported(until, on), until, latest_version)
