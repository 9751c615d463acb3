"""What every write of the partner programme needs: checked addresses, the caller's
membership, links into the portal and the mails to partners and the vendor's sales team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from partners import selectors
from partners.errors import ErrorCode
from partners.models import Membership, Organisation
from portal.core import services as outbox
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User


def email_address(value: str) -> str:
    """``value`` as a lower-case e-mail address, or a refusal when it is none."""
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ApplicationError(
            _("%(email)s is not a valid e-mail address.") % {"email": value or "—"},
            code=ErrorCode.INVALID_EMAIL,
        ) from None
    return value


def member(user: User) -> Membership:
    """The membership of ``user`` in a partner organisation, or a refusal when there is none."""
    membership = selectors.membership_for(user=user)
    if membership is None:
        raise ApplicationError(
            _("Your account does not belong to a ValueCREATE! partner organisation."),
            code=ErrorCode.NOT_A_PARTNER,
        )
    return membership


def site_url(path: str) -> str:
    """The full address of a portal page, for links in mails."""
    return f"{settings.SITE_URL}{path}"


def admin_link(record: models.Model) -> str:
    """The full address of ``record``'s page in the admin, for the staff who look after it."""
    opts = record._meta
    return site_url(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]))


def sales_contact(organisation: Organisation) -> tuple[str, str]:
    """The address and language of whoever at the vendor looks after the organisation."""
    representative = organisation.sales_representative
    if representative is not None and representative.is_active and representative.email:
        return representative.email, representative.language or settings.LANGUAGE_CODE
    return settings.PARTNER_SALES_EMAIL, settings.LANGUAGE_CODE


def mail(*, to: str, template: str, language: str, **context: object) -> None:
    """Queue the mail ``template`` to ``to`` in ``language``, tagged with its template."""
    outbox.email_enqueue_template(
        to=to, template=template, context=context, language=language, tag=template
    )


def mail_sales(organisation: Organisation, *, template: str, **context: object) -> None:
    """Queue the mail ``template`` to whoever at the vendor looks after ``organisation``."""
    to, language = sales_contact(organisation)
    mail(to=to, template=template, language=language, **context)


def language_of(user: User) -> str:
    """The language a person reads their mails in."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE
