"""Applications to join the partner programme: a company applies, staff approve it at a level
(which creates the organisation) or decline it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from partners import selectors
from partners.errors import ErrorCode
from partners.models import (
    Application,
    Decision,
    MemberRole,
    Membership,
    Organisation,
    PartnerLevel,
)
from partners.services.common import admin_link, email_address, mail, site_url
from partners.services.decisions import RequestKind, decide, decline, tell
from portal.core.errors import ApplicationError
from portal.core.text import clean_text

if TYPE_CHECKING:
    from portal.accounts.models import User

APPLICATION = RequestKind(
    waiting=Decision.PENDING,
    declined=Decision.DECLINED,
    asker="applicant",
    mail_name="application",
    decided_message=lambda application: (
        _("The application of %(company)s was already %(status)s.")
        % {"company": application.company, "status": application.get_status_display()}
    ),
)


@transaction.atomic
def application_submit(
    *,
    applicant: User,
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
            _("Your account already belongs to a partner organisation."),
            code=ErrorCode.ALREADY_PARTNER,
        )
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ApplicationError(_("Choose the company's country."), code=ErrorCode.INVALID_COUNTRY)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant,
                company=clean_text(company, field=_("the company name"), limit=200),
                country=country,
                contact_name=clean_text(contact_name, field=_("the contact person"), limit=150),
                contact_email=email_address(contact_email),
                contact_phone=clean_text(
                    contact_phone, field=_("the phone"), limit=40, required=False
                ),
                website=clean_text(website, field=_("the website"), limit=200, required=False),
                message=clean_text(message, field=_("the message"), limit=5000, required=False),
            )
    except IntegrityError:
        raise ApplicationError(
            _("Your earlier application is still being reviewed; we will answer it soon."),
            code=ErrorCode.APPLICATION_PENDING,
        ) from None
    mail(
        to=settings.PARTNER_SALES_EMAIL,
        template="partner_application_received",
        language=settings.LANGUAGE_CODE,
        application=application,
        admin_url=admin_link(application),
    )
    return application


def _organisation_found(
    application: Application,
    now: datetime,
    *,
    level: PartnerLevel | None,
    sales_representative: User | None,
) -> list[str]:
    """Create the organisation of an approved application, with the applicant as its
    administrator."""
    if level is None:
        raise ApplicationError(_("Choose the partner level."), code=ErrorCode.LEVEL_REQUIRED)
    if selectors.membership_for(user=application.applicant) is not None:
        raise ApplicationError(
            _("%(email)s already belongs to a partner organisation.")
            % {"email": application.applicant.email},
            code=ErrorCode.ALREADY_PARTNER,
        )
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
    return ["organisation"]


@transaction.atomic
def application_approve(
    *,
    application: Application,
    level: PartnerLevel,
    actor: User,
    sales_representative: User | None = None,
) -> Organisation:
    """Create the organisation at ``level``; the applicant becomes its administrator."""
    approved = decide(
        APPLICATION,
        application,
        status=Decision.APPROVED,
        actor=actor,
        change=lambda record, now: _organisation_found(
            record, now, level=level, sales_representative=sales_representative
        ),
    )
    tell(
        APPLICATION,
        approved,
        "partner_application_approved",
        organisation=approved.organisation,
        partner_url=site_url(reverse("partners:area")),
    )
    return approved.organisation


@transaction.atomic
def application_decline(*, application: Application, reason: str, actor: User) -> Application:
    """Decline the application, telling the applicant why."""
    return decline(
        APPLICATION,
        application,
        reason=reason,
        actor=actor,
        template="partner_application_declined",
    )
