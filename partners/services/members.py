"""The members of a partner organisation: invitations by its administrators, accepting them,
and removing members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners import selectors
from partners.errors import ErrorCode
from partners.models import Invitation, MemberRole, Membership
from partners.services.common import email_address, language_of, mail, member, site_url
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User


def _require_administrator(actor: User, organisation_id: int) -> Membership:
    membership = (
        Membership.objects.filter(
            user=actor, organisation_id=organisation_id, organisation__is_active=True
        )
        .select_related("organisation")
        .first()
    )
    if membership is None or membership.role != MemberRole.ADMINISTRATOR:
        raise ApplicationError(
            _("Only an administrator of the partner organisation can manage its members."),
            code=ErrorCode.NOT_ADMINISTRATOR,
        )
    return membership


@transaction.atomic
def invitation_send(*, actor: User, email: str, role: str) -> Invitation:
    """Invite a colleague to the actor's organisation; the mail holds a signed, expiring link."""
    organisation = _require_administrator(actor, member(actor).organisation_id).organisation
    email = email_address(email)
    if role not in MemberRole.values:
        raise ApplicationError(_("Choose the colleague's role."), code=ErrorCode.INVALID_ROLE)
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ApplicationError(
            _("%(email)s is already a member of %(organisation)s.")
            % {"email": email, "organisation": organisation.name},
            code=ErrorCode.ALREADY_MEMBER,
        )
    # A new invitation replaces an open one to the same address.
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        withdrawn_at__isnull=True,
    ).update(withdrawn_at=timezone.now())
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=actor
    )
    token = selectors.invitation_token(invitation)
    mail(
        to=email,
        template="partner_invitation",
        language=language_of(actor),
        invitation=invitation,
        inviter=actor,
        link=site_url(reverse("partners:invitation", kwargs={"token": token})),
        days=settings.PARTNER_INVITATION_DAYS,
    )
    return invitation


def _lock_open_invitation(token: str) -> Invitation:
    """The invitation of ``token``, locked, while nobody has used or withdrawn it."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        raise ApplicationError(
            _(
                "This invitation is not valid any more: it has expired, was withdrawn or was "
                "already used. Please ask your administrator for a new one."
            ),
            code=ErrorCode.INVITATION_INVALID,
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise ApplicationError(
            _("This invitation was already used or withdrawn."),
            code=ErrorCode.INVITATION_INVALID,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the organisation of a valid invitation addressed to the account's e-mail."""
    invitation = _lock_open_invitation(token)
    if invitation.email.lower() != (user.email or "").lower():
        raise ApplicationError(
            _("This invitation is for %(email)s. Please sign in with that address to accept it.")
            % {"email": invitation.email},
            code=ErrorCode.INVITATION_OTHER_ADDRESS,
        )
    if selectors.membership_for(user=user) is not None:
        raise ApplicationError(
            _("Your account already belongs to a partner organisation."),
            code=ErrorCode.ALREADY_PARTNER,
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organisation=invitation.organisation, user=user, role=invitation.role, joined_at=now
            )
    except IntegrityError:
        raise ApplicationError(
            _("You are already a member of %(organisation)s.")
            % {"organisation": invitation.organisation.name},
            code=ErrorCode.ALREADY_MEMBER,
        ) from None
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor: User) -> Invitation:
    """Withdraw an invitation nobody has used yet; its link stops working."""
    _require_administrator(actor, invitation.organisation_id)
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    if not updated:
        raise ApplicationError(
            _("This invitation was already used or withdrawn."),
            code=ErrorCode.INVITATION_INVALID,
        )
    invitation.refresh_from_db(fields=["withdrawn_at"])
    return invitation


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member; the organisation always keeps at least one administrator."""
    _require_administrator(actor, membership.organisation_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == MemberRole.ADMINISTRATOR:
        administrators = list(
            Membership.objects.select_for_update()
            .filter(organisation_id=membership.organisation_id, role=MemberRole.ADMINISTRATOR)
            .values_list("pk", flat=True)
        )
        if len(administrators) <= 1:
            raise ApplicationError(
                _(
                    "%(email)s is the organisation's only administrator. Invite another "
                    "administrator first."
                )
                % {"email": membership.user.email},
                code=ErrorCode.LAST_ADMINISTRATOR,
            )
    membership.delete()
