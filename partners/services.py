"""Writes of the partners app: applications, members and invitations, NFR licences, and the
pre- and post-sales help of the ValueCREATE! programme.

Every function takes keyword arguments, runs in one transaction and raises ApplicationError
with a message for the person who asked when a rule refuses. Mails go through the outbox.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from entitlements.models import Category, Product
from partners import selectors
from partners.models import (
    Application,
    Decision,
    Invitation,
    MemberRole,
    Membership,
    NfrAgreement,
    NfrAgreementAcceptance,
    NfrLicence,
    Organisation,
    PartnerLevel,
    PresalesRequest,
)
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.text import clean_text
from tickets import services as ticket_services

logger = logging.getLogger(__name__)

# Licence keys: groups of characters that cannot be mistaken for one another.
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KEY_GROUPS, KEY_GROUP_LENGTH = 5, 5


# --- Helpers ----------------------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    return clean_text(value, field=field, limit=limit, required=required)


def _email(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ApplicationError(
            _("%(email)s is not a valid e-mail address.") % {"email": value or "—"},
            code="invalid-email",
        ) from None
    return value


def _member(user) -> Membership:
    membership = selectors.membership_for(user=user)
    if membership is None:
        raise ApplicationError(
            _("Your account does not belong to a ValueCREATE! partner organisation."),
            code="not-a-partner",
        )
    return membership


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _sales_contact(organisation: Organisation) -> tuple[str, str]:
    """The address and language of whoever at the vendor looks after the organisation."""
    representative = organisation.sales_representative
    if representative is not None and representative.is_active and representative.email:
        return representative.email, representative.language or settings.LANGUAGE_CODE
    return settings.PARTNER_SALES_EMAIL, settings.LANGUAGE_CODE


def _mail(*, to: str, template: str, language: str, **context) -> None:
    outbox.email_enqueue_template(
        to=to, template=template, context=context, language=language, tag=template
    )


def _language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


# --- Applications -----------------------------------------------------------------------------


def _decided(record, *, status: str, actor, at=None, reason: str = "", fields=()) -> None:
    """Record a staff decision on an application, NFR licence or pre-sales request and save it
    with ``fields`` (the other columns the caller changed)."""
    record.status = status
    record.decided_at = at or timezone.now()
    record.decided_by = actor
    changed = ["status", "decided_at", "decided_by", *fields]
    if reason:
        record.decline_reason = reason
        changed.append("decline_reason")
    record.save(update_fields=changed)


@transaction.atomic
def application_submit(
    *,
    applicant,
    company: str,
    country: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    website: str = "",
    message: str = "",
) -> Application:
    """Apply to join the partner programme; staff decide in the admin."""
    if selectors.membership_for(user=applicant) is not None:
        raise ApplicationError(
            _("Your account already belongs to a partner organisation."), code="already-partner"
        )
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ApplicationError(_("Choose the company's country."), code="invalid-country")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant,
                company=_text(company, field=_("the company name"), limit=200),
                country=country,
                contact_name=_text(contact_name, field=_("the contact person"), limit=150),
                contact_email=_email(contact_email),
                contact_phone=_text(contact_phone, field=_("the phone"), limit=40, required=False),
                website=_text(website, field=_("the website"), limit=200, required=False),
                message=_text(message, field=_("the message"), limit=5000, required=False),
            )
    except IntegrityError:
        raise ApplicationError(
            _("Your earlier application is still being reviewed; we will answer it soon."),
            code="application-pending",
        ) from None
    _mail(
        to=settings.PARTNER_SALES_EMAIL,
        template="partner_application_received",
        language=settings.LANGUAGE_CODE,
        application=application,
        admin_url=_url(reverse("admin:partners_application_change", args=[application.pk])),
    )
    return application


def _lock_pending_application(application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Decision.PENDING:
        raise ApplicationError(
            _("The application of %(company)s was already %(status)s.")
            % {"company": application.company, "status": application.get_status_display()},
            code="already-decided",
        )
    return application


@transaction.atomic
def application_approve(
    *, application: Application, level: PartnerLevel, actor, sales_representative=None
) -> Organisation:
    """Create the organisation at ``level``; the applicant becomes its administrator."""
    application = _lock_pending_application(application)
    if level is None:
        raise ApplicationError(_("Choose the partner level."), code="level-required")
    if selectors.membership_for(user=application.applicant) is not None:
        raise ApplicationError(
            _("%(email)s already belongs to a partner organisation.")
            % {"email": application.applicant.email},
            code="already-partner",
        )
    now = timezone.now()
    organisation = Organisation.objects.create(
        name=application.company,
        level=level,
        country=application.country,
        sales_representative=sales_representative,
        created_at=now,
    )
    Membership.objects.create(
        organisation=organisation,
        user=application.applicant,
        role=MemberRole.ADMINISTRATOR,
        joined_at=now,
    )
    application.organisation = organisation
    _decided(application, status=Decision.APPROVED, actor=actor, at=now, fields=["organisation"])
    _mail(
        to=application.applicant.email,
        template="partner_application_approved",
        language=_language(application.applicant),
        application=application,
        organisation=organisation,
        partner_url=_url(reverse("partners:area")),
    )
    return organisation


@transaction.atomic
def application_decline(*, application: Application, reason: str, actor) -> Application:
    reason = _text(reason, field=_("the reason"), limit=300)
    application = _lock_pending_application(application)
    _decided(application, status=Decision.DECLINED, actor=actor, reason=reason)
    _mail(
        to=application.applicant.email,
        template="partner_application_declined",
        language=_language(application.applicant),
        application=application,
    )
    return application


# --- Members and invitations ------------------------------------------------------------------


def _require_administrator(actor, organisation_id: int) -> Membership:
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
            code="not-administrator",
        )
    return membership


@transaction.atomic
def invitation_send(*, actor, email: str, role: str) -> Invitation:
    """Invite a colleague to the actor's organisation; the mail holds a signed, expiring link."""
    organisation = _require_administrator(actor, _member(actor).organisation_id).organisation
    email = _email(email)
    if role not in MemberRole.values:
        raise ApplicationError(_("Choose the colleague's role."), code="invalid-role")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ApplicationError(
            _("%(email)s is already a member of %(organisation)s.")
            % {"email": email, "organisation": organisation.name},
            code="already-member",
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
    _mail(
        to=email,
        template="partner_invitation",
        language=_language(actor),
        invitation=invitation,
        inviter=actor,
        link=_url(reverse("partners:invitation", kwargs={"token": token})),
        days=settings.PARTNER_INVITATION_DAYS,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Join the organisation of a valid invitation addressed to the account's e-mail."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        raise ApplicationError(
            _(
                "This invitation is not valid any more: it has expired, was withdrawn or was "
                "already used. Please ask your administrator for a new one."
            ),
            code="invitation-invalid",
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise ApplicationError(
            _("This invitation was already used or withdrawn."), code="invitation-invalid"
        )
    if invitation.email.lower() != (user.email or "").lower():
        raise ApplicationError(
            _("This invitation is for %(email)s. Please sign in with that address to accept it.")
            % {"email": invitation.email},
            code="invitation-other-address",
        )
    if selectors.membership_for(user=user) is not None:
        raise ApplicationError(
            _("Your account already belongs to a partner organisation."), code="already-partner"
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
            code="already-member",
        ) from None
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor) -> Invitation:
    _require_administrator(actor, invitation.organisation_id)
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    if not updated:
        raise ApplicationError(
            _("This invitation was already used or withdrawn."), code="invitation-invalid"
        )
    invitation.refresh_from_db(fields=["withdrawn_at"])
    return invitation


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
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
                code="last-administrator",
            )
    membership.delete()


# --- NFR agreement and licences ---------------------------------------------------------------


@transaction.atomic
def nfr_agreement_accept(*, user, agreement: NfrAgreement) -> NfrAgreementAcceptance:
    """Record that ``user`` accepted ``agreement`` (which must be the version in force)."""
    membership = _member(user)
    current = selectors.current_agreement()
    if current is None or agreement.pk != current.pk:
        raise ApplicationError(
            _("A newer version of the NFR agreement is in force; please read and accept it."),
            code="agreement-outdated",
        )
    acceptance, _created = NfrAgreementAcceptance.objects.get_or_create(
        agreement=agreement,
        user=user,
        defaults={"organisation": membership.organisation, "accepted_at": timezone.now()},
    )
    return acceptance


@transaction.atomic
def nfr_licence_request(*, user, product: Product, purpose: str = "") -> NfrLicence:
    """Ask for an NFR licence of ``product`` within the level's allowance."""
    membership = _member(user)
    agreement = selectors.current_agreement()
    if agreement is None:
        raise ApplicationError(
            _("NFR licences cannot be requested at the moment: no NFR agreement is in force."),
            code="no-agreement",
        )
    if not selectors.has_accepted(user=user, agreement=agreement):
        raise ApplicationError(
            _(
                "Please accept version %(version)s of the NFR agreement before you request "
                "a licence."
            )
            % {"version": agreement.version},
            code="agreement-required",
        )
    # Lock the organisation: two requests at once cannot both take the last licence allowed.
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    allowed = selectors.nfr_allowance(organisation=organisation, product=product)
    held = selectors.nfr_licences_held(organisation=organisation, product=product)
    if held >= allowed:
        level = membership.organisation.level
        if allowed == 0:
            message = _("The %(level)s level includes no NFR licences of %(product)s.") % {
                "level": level.name,
                "product": product.name,
            }
        else:
            message = _(
                "Your organisation already has %(held)s of the %(allowed)s NFR licences of "
                "%(product)s that the %(level)s level allows (requests under review and "
                "unexpired licences count). A new one can be requested when one expires."
            ) % {"held": held, "allowed": allowed, "product": product.name, "level": level.name}
        raise ApplicationError(message, code="allowance-exhausted")
    licence = NfrLicence.objects.create(
        organisation=organisation,
        product=product,
        requested_by=user,
        purpose=_text(purpose, field=_("the purpose"), limit=2000, required=False),
        agreement=agreement,
    )
    to, language = _sales_contact(membership.organisation)
    _mail(
        to=to,
        template="nfr_licence_requested",
        language=language,
        licence=licence,
        admin_url=_url(reverse("admin:partners_nfrlicence_change", args=[licence.pk])),
    )
    return licence


def _lock_pending_licence(licence: NfrLicence) -> NfrLicence:
    licence = (
        NfrLicence.objects.select_for_update(of=("self",))
        .select_related("product", "requested_by", "organisation")
        .get(pk=licence.pk)
    )
    if licence.status != Decision.PENDING:
        raise ApplicationError(
            _("This NFR licence request was already %(status)s.")
            % {"status": licence.get_status_display()},
            code="already-decided",
        )
    return licence


def nfr_licence_key() -> str:
    groups = (
        "".join(secrets.choice(KEY_ALPHABET) for _i in range(KEY_GROUP_LENGTH))
        for _g in range(KEY_GROUPS)
    )
    return "NFR-" + "-".join(groups)


@transaction.atomic
def nfr_licence_approve(*, licence: NfrLicence, actor) -> NfrLicence:
    """Issue the licence key, valid for the NFR evaluation period."""
    licence = _lock_pending_licence(licence)
    now = timezone.now()
    licence.licence_key = nfr_licence_key()
    licence.expires_at = now + timedelta(days=settings.NFR_EVALUATION_DAYS)
    _decided(
        licence,
        status=Decision.APPROVED,
        actor=actor,
        at=now,
        fields=["licence_key", "expires_at"],
    )
    _mail(
        to=licence.requested_by.email,
        template="nfr_licence_approved",
        language=_language(licence.requested_by),
        licence=licence,
        partner_url=_url(reverse("partners:area")),
    )
    return licence


@transaction.atomic
def nfr_licence_decline(*, licence: NfrLicence, reason: str, actor) -> NfrLicence:
    reason = _text(reason, field=_("the reason"), limit=300)
    licence = _lock_pending_licence(licence)
    _decided(licence, status=Decision.DECLINED, actor=actor, reason=reason)
    _mail(
        to=licence.requested_by.email,
        template="nfr_licence_declined",
        language=_language(licence.requested_by),
        licence=licence,
    )
    return licence


def nfr_expiry_reminders_send(*, now: datetime | None = None, batch: int = 500) -> int:
    """Mail every licence that expires within NFR_REMINDER_DAYS, once; return how many.

    Each batch claims its rows (FOR UPDATE SKIP LOCKED) and marks them reminded in the same
    transaction as the mails, so a second run, or two at once, mail nobody twice.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.NFR_REMINDER_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                NfrLicence.objects.filter(
                    status=Decision.APPROVED,
                    reminded_at__isnull=True,
                    expires_at__gt=now,
                    expires_at__lte=horizon,
                )
                .order_by("expires_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            NfrLicence.objects.filter(pk__in=ids).update(reminded_at=now)
            emails = []
            for licence in NfrLicence.objects.filter(pk__in=ids).select_related(
                "product", "requested_by", "organisation"
            ):
                language = _language(licence.requested_by)
                rendered = outbox.email_render(
                    template="nfr_licence_expiring",
                    context={"licence": licence, "partner_url": _url(reverse("partners:area"))},
                    language=language,
                )
                emails.append(
                    {
                        "to": licence.requested_by.email,
                        "tag": "nfr_licence_expiring",
                        "language": language,
                        **rendered,
                    }
                )
            outbox.email_enqueue_many(emails=emails)
        total += len(ids)
        if len(ids) < batch:
            break
    return total


# --- Pre- and post-sales help -----------------------------------------------------------------


def _require_help(membership: Membership, *, presales: bool) -> None:
    level = membership.organisation.level
    if presales and not level.presales_help:
        raise ApplicationError(
            _(
                "Pre-sales help is included from the Certified partner level; your organisation "
                "is at the %(level)s level."
            )
            % {"level": level.name},
            code="presales-not-included",
        )
    if not presales and not level.postsales_help:
        raise ApplicationError(
            _(
                "Post-sales help is included from the Certified partner level; your organisation "
                "is at the %(level)s level."
            )
            % {"level": level.name},
            code="postsales-not-included",
        )


@transaction.atomic
def presales_request_submit(
    *,
    user,
    customer_company: str,
    product: Product,
    expected_seats: int,
    description: str,
) -> PresalesRequest:
    """Describe a customer project; the request goes to the organisation's sales representative."""
    membership = _member(user)
    _require_help(membership, presales=True)
    if not isinstance(expected_seats, int) or expected_seats < 1:
        raise ApplicationError(
            _("Enter the number of seats the customer expects (at least 1)."),
            code="invalid-seats",
        )
    request = PresalesRequest.objects.create(
        organisation=membership.organisation,
        requested_by=user,
        customer_company=_text(customer_company, field=_("the customer company"), limit=200),
        product=product,
        expected_seats=expected_seats,
        description=_text(description, field=_("the project description"), limit=10000),
    )
    to, language = _sales_contact(membership.organisation)
    _mail(
        to=to,
        template="presales_request_received",
        language=language,
        presales=request,
        admin_url=_url(reverse("admin:partners_presalesrequest_change", args=[request.pk])),
    )
    return request


def _lock_submitted(request: PresalesRequest) -> PresalesRequest:
    request = (
        PresalesRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "product", "requested_by")
        .get(pk=request.pk)
    )
    if request.status != PresalesRequest.Status.SUBMITTED:
        raise ApplicationError(
            _("This pre-sales request was already %(status)s.")
            % {"status": request.get_status_display()},
            code="already-decided",
        )
    return request


@transaction.atomic
def presales_request_forward(*, request: PresalesRequest, actor) -> PresalesRequest:
    """Hand the request to support: it becomes a pre-sales ticket the partner member follows."""
    request = _lock_submitted(request)
    member = request.requested_by
    language = _language(member)
    with override(language):
        subject = ngettext(
            "Pre-sales: %(company)s, %(seats)s seat of %(product)s",
            "Pre-sales: %(company)s, %(seats)s seats of %(product)s",
            request.expected_seats,
        ) % {
            "company": request.customer_company,
            "seats": request.expected_seats,
            "product": request.product.name,
        }
        description = "\n".join(
            [
                _("Customer company: %(company)s") % {"company": request.customer_company},
                _("Expected seats: %(seats)s") % {"seats": request.expected_seats},
                "",
                request.description,
            ]
        )
    created = ticket_services.ticket_open_for_partner(
        customer=member,
        organisation_id=request.organisation_id,
        product=request.product,
        version="",
        category=Category.PRE_SALES,
        subject=subject[:200],
        description=description,
        language=language,
        actor=actor,
    )
    request.ticket_reference = created.ticket.ticket_id
    _decided(
        request,
        status=PresalesRequest.Status.FORWARDED,
        actor=actor,
        fields=["ticket_reference"],
    )
    return request


@transaction.atomic
def presales_request_decline(*, request: PresalesRequest, reason: str, actor) -> PresalesRequest:
    reason = _text(reason, field=_("the reason"), limit=300)
    request = _lock_submitted(request)
    _decided(request, status=PresalesRequest.Status.DECLINED, actor=actor, reason=reason)
    _mail(
        to=request.requested_by.email,
        template="presales_request_declined",
        language=_language(request.requested_by),
        presales=request,
    )
    return request


@transaction.atomic
def postsales_ticket_open(
    *,
    user,
    product: Product | str,
    version: str,
    subject: str,
    description: str,
    language: str = "",
) -> ticket_services.NewTicket:
    """Open a post-sales request; only a technical representative of a partner whose level
    includes post-sales help may, and only they can follow it."""
    membership = _member(user)
    _require_help(membership, presales=False)
    if membership.role != MemberRole.TECHNICAL:
        raise ApplicationError(
            _(
                "Only a technical representative of your organisation can open and handle "
                "post-sales requests; you are its %(role)s."
            )
            % {"role": membership.get_role_display()},
            code="not-technical",
        )
    return ticket_services.ticket_open_for_partner(
        customer=user,
        organisation_id=membership.organisation_id,
        product=product,
        version=version,
        category=Category.POST_SALES,
        subject=subject,
        description=description,
        language=language,
        actor=user,
    )
