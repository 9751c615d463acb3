"""Reads of the partners app: memberships, a level's benefits, the partner area, NFR licences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from partners.models import (
    Application,
    Invitation,
    MemberRole,
    Membership,
    NfrAgreement,
    NfrAgreementAcceptance,
    NfrAllowance,
    NfrLicence,
    Organisation,
    PartnerLevel,
    PresalesRequest,
)

if TYPE_CHECKING:
    from entitlements.models import Product
    from portal.accounts.models import User

INVITATION_SALT = "partners.invitation"


# --- Membership and roles ---------------------------------------------------------------------


def membership_for(*, user: User) -> Membership | None:
    """The account's membership of an active partner organisation, with level and sales rep."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation__level", "organisation__sales_representative")
        .order_by("joined_at", "pk")
        .first()
    )


def technical_memberships() -> QuerySet[Membership]:
    """Technical representatives of active organisations (for subqueries of other apps)."""
    return Membership.objects.filter(role=MemberRole.TECHNICAL, organisation__is_active=True)


def technical_organisation_ids(*, user: User) -> QuerySet:
    """The organisations ``user`` is a technical representative of, as a subquery of ids."""
    return technical_memberships().filter(user=user).values("organisation_id")


def is_technical_representative(*, user: User | None, organisation_id: int | None) -> bool:
    if organisation_id is None or user is None:
        return False
    return technical_memberships().filter(user=user, organisation_id=organisation_id).exists()


def technical_member_pairs(*, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of the (user id, organisation id) pairs, those that are technical representatives."""
    if not pairs:
        return set()
    users = {user_id for user_id, _org in pairs}
    found = set(
        technical_memberships()
        .filter(user_id__in=users, organisation_id__in={org for _user, org in pairs})
        .values_list("user_id", "organisation_id")
    )
    return found & pairs


def represents_partners(*, user: User) -> bool:
    """Whether the staff member is the sales representative of an active partner."""
    return Organisation.objects.filter(sales_representative=user, is_active=True).exists()


def support_discount_for(user: User) -> Decimal:
    """The discount (percent) on support packages the account gets as a partner member; 0 else."""
    membership = membership_for(user=user)
    if membership is None:
        return Decimal("0")
    return membership.organisation.level.support_discount_percent


# --- NFR agreement and licences ---------------------------------------------------------------


def current_agreement(*, at: datetime | None = None) -> NfrAgreement | None:
    """The NFR agreement version in force: the newest that has taken effect."""
    at = at or timezone.now()
    return NfrAgreement.objects.filter(effective_from__lte=at).order_by("-effective_from").first()


def has_accepted(*, user: User, agreement: NfrAgreement | None) -> bool:
    if agreement is None:
        return False
    return NfrAgreementAcceptance.objects.filter(user=user, agreement=agreement).exists()


def nfr_allowance(*, organisation: Organisation, product: Product) -> int:
    """How many NFR licences of ``product`` the organisation's level allows at a time."""
    allowance = NfrAllowance.objects.filter(level_id=organisation.level_id, product=product).first()
    return allowance.licences if allowance else 0


def nfr_licences_held(
    *, organisation: Organisation, product: Product, at: datetime | None = None
) -> int:
    """Requests under review and unexpired licences of ``product``: what counts against it."""
    return (
        NfrLicence.objects.filter(organisation=organisation, product=product)
        .counting_against_allowance(at=at)
        .count()
    )


# --- Invitations ------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT, compress=True)


def invitation_by_token(*, token: str) -> Invitation | None:
    """The open invitation a signed, unexpired token names; None for anything else."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.PARTNER_INVITATION_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("invitation"), int):
        return None
    return (
        Invitation.objects.filter(
            pk=data["invitation"],
            accepted_at__isnull=True,
            withdrawn_at__isnull=True,
            organisation__is_active=True,
        )
        .select_related("organisation__level")
        .first()
    )


# --- The partner area -------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    product_name: str
    licences: int


@dataclass
class PartnerArea:
    """Everything the partner area shows of one organisation, for one member."""

    membership: Membership
    members: list[Membership]
    invitations: list[Invitation]
    allowances: list[Allowance]
    nfr_licences: list[NfrLicence]
    presales_requests: list[PresalesRequest]
    agreement: NfrAgreement | None
    agreement_accepted: bool
    can_manage_members: bool = False
    can_request_presales: bool = False
    can_open_postsales: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @property
    def level(self) -> PartnerLevel:
        return self.membership.organisation.level


def partner_area(*, membership: Membership) -> PartnerArea:
    """The partner area of ``membership``'s organisation, in a fixed number of queries."""
    organisation = membership.organisation
    level = organisation.level
    members = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__email")
    )
    is_admin = membership.role == MemberRole.ADMINISTRATOR
    invitations = (
        list(
            Invitation.objects.filter(
                organisation=organisation, accepted_at__isnull=True, withdrawn_at__isnull=True
            ).order_by("-created_at")
        )
        if is_admin
        else []
    )
    allowances = [
        Allowance(product_name=a.product.name, licences=a.licences)
        for a in NfrAllowance.objects.filter(level=level, licences__gt=0)
        .select_related("product")
        .order_by("product__sort_order", "product__name")
    ]
    licences = list(
        NfrLicence.objects.filter(organisation=organisation)
        .select_related("product", "requested_by")
        .order_by("-requested_at")
    )
    presales = list(
        PresalesRequest.objects.filter(
            organisation=organisation, status=PresalesRequest.Status.SUBMITTED
        )
        .select_related("product", "requested_by")
        .order_by("-submitted_at")
    )
    agreement = current_agreement()
    return PartnerArea(
        membership=membership,
        members=members,
        invitations=invitations,
        allowances=allowances,
        nfr_licences=licences,
        presales_requests=presales,
        agreement=agreement,
        agreement_accepted=has_accepted(user=membership.user, agreement=agreement),
        can_manage_members=is_admin,
        can_request_presales=level.presales_help,
        can_open_postsales=level.postsales_help and membership.role == MemberRole.TECHNICAL,
    )


def latest_application(*, user: User) -> Application | None:
    """The account's most recent partner application, if any."""
    return Application.objects.filter(applicant=user).order_by("-submitted_at").first()
