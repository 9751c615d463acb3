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
    supported_until: date | None  # the last supported day; None: no successor exists yet
    latest_version: str | None

    @property
    def known(self) -> bool:
        return self.release is not None


def last_supported_days(releases: list[Release]) -> dict[int, date | None]:
    """Map each major of one product to its last supported day (None: no successor yet).

    The last supported day is the last day on which support is still given: the day
    ``SUPPORT_MONTHS_AFTER_SUCCESSOR`` months after the next major's first release. Requests are
    refused from the day after it on.
    """
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


def last_supported_day(*, releases: list[Release], major: int) -> date | None:
    """Return the last day on which ``major`` is supported (None: no successor yet)."""
    return last_supported_days(releases).get(major)


def is_supported(last_day: date | None, on: date) -> bool:
    """Say whether a major whose last supported day is ``last_day`` is supported on ``on``.

    ``on`` is a day of the customer's team calendar, never a UTC date.
    """
    return last_day is None or on <= last_day


def version_status(*, product: Product, version: str, on: date) -> VersionStatus:
    """Say whether ``version`` of ``product`` is supported on the day ``on``, and until when.

    ``on`` is the day in the customer's team calendar.
    """
    releases = [r for r in product.releases.all() if r.released_on <= on and not r.is_beta]
    ends = last_supported_days(releases)
    release = next((r for r in releases if r.version == version.strip()), None)
    latest = max(releases, key=lambda r: (r.major, r.minor, r.patch), default=None)
    latest_version = latest.version if latest else None
    if release is None:
        return VersionStatus(product, version, None, False, None, latest_version)
    until = ends[release.major]
    return VersionStatus(product, version, release, is_supported(until, on), until, latest_version)
