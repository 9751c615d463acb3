"""Reads of the beta group: who is enrolled, and which beta releases a person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from betas.models import Enrolment
from entitlements.models import Product, Release
from partners.models import Membership

if TYPE_CHECKING:
    from portal.accounts.models import User


def partner_memberships(*, user: User) -> list[Membership]:
    """``user``'s memberships in active partner organisations, with each level."""
    return list(
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation__level")
        .order_by("organisation__name")
    )


def _visible_to(user: User) -> Q:
    """Enrolments that count for ``user``: their own as a customer, or their organisation's
    while its level includes beta access."""
    return Q(organisation__isnull=True, user=user) | Q(
        organisation__memberships__user=user,
        organisation__is_active=True,
        organisation__level__beta_access=True,
    )


def enrolments_for_user(*, user: User) -> QuerySet[Enrolment]:
    """The active enrolments that give ``user`` beta access, by product."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return (
        Enrolment.objects.active()
        .filter(_visible_to(user))
        .select_related("product", "organisation", "user")
        .order_by("product__sort_order", "product__name", "pk")
    )


def enrolment_for_user(*, user: User, enrolment_id: int) -> Enrolment | None:
    """One active enrolment ``user`` may act on (leave); None for any other."""
    return enrolments_for_user(user=user).filter(pk=enrolment_id).first()


def enrolment_participates(enrolment: Enrolment) -> bool:
    """Whether the enrolment still rests on NCEP participation.

    A commitment holds until the enrolment ends; a linked installation counts only while it
    takes part (leaving NCEP means leaving the beta).
    """
    if enrolment.installation_id is None:
        return True
    from telemetry import selectors as telemetry_selectors

    return telemetry_selectors.installation_participates(installation_id=enrolment.installation_id)


@dataclass
class BetaAccess:
    """One enrolment as the beta page shows it, with the product's beta releases."""

    enrolment: Enrolment
    participates: bool
    releases: list[Release] = field(default_factory=list)


def _beta_releases() -> Prefetch:
    return Prefetch(
        "product__releases",
        queryset=Release.objects.filter(is_beta=True).order_by("-major", "-minor", "-patch"),
        to_attr="beta_releases",
    )


def beta_overview(*, user: User) -> list[BetaAccess]:
    """Every product ``user`` is enrolled for, with the beta releases they may see."""
    by_product: dict[int, BetaAccess] = {}
    for enrolment in enrolments_for_user(user=user).prefetch_related(_beta_releases()):
        known = by_product.get(enrolment.product_id)
        if known is not None and known.participates:
            continue  # enrolled twice (as a customer and through an organisation)
        participates = enrolment_participates(enrolment)
        if known is None or participates:
            by_product[enrolment.product_id] = BetaAccess(
                enrolment=enrolment,
                participates=participates,
                releases=enrolment.product.beta_releases if participates else [],
            )
    return list(by_product.values())


def beta_releases_for(*, user: User, product: Product) -> list[Release] | None:
    """The product's beta releases if ``user`` is in its beta group; None if not."""
    for access in beta_overview(user=user):
        if access.enrolment.product_id == product.pk and access.participates:
            return access.releases
    return None


def beta_release_visible(*, user: User, release: Release) -> bool:
    """Whether ``user`` may see ``release``: every final release, a beta only when enrolled."""
    if not release.is_beta:
        return True
    releases = beta_releases_for(user=user, product=release.product)
    return releases is not None and any(item.pk == release.pk for item in releases)


def product_by_code(*, code: str) -> Product | None:
    return Product.objects.filter(code=code).first()


def enrolment_products() -> QuerySet[Product]:
    """The products a beta group can be joined for."""
    return Product.objects.filter(is_active=True).order_by("sort_order", "name")
