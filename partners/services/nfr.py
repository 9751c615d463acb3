"""The NFR agreement and NFR licences: a member accepts the agreement in force, requests
licences within the level's allowance, staff approve (issuing a key) or decline, and holders
are reminded before a licence expires."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.models import Product
from partners import selectors
from partners.errors import ErrorCode
from partners.models import (
    Decision,
    Membership,
    NfrAgreement,
    NfrAgreementAcceptance,
    NfrLicence,
    Organisation,
)
from partners.services.common import admin_link, language_of, mail_sales, member, site_url
from partners.services.decisions import RequestKind, decide, decline
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.text import clean_text

if TYPE_CHECKING:
    from portal.accounts.models import User

# Licence keys: groups of characters that cannot be mistaken for one another.
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KEY_GROUPS, KEY_GROUP_LENGTH = 5, 5

NFR_LICENCE = RequestKind(
    waiting=Decision.PENDING,
    declined=Decision.DECLINED,
    asker="requested_by",
    mail_name="licence",
    decided_message=lambda licence: (
        _("This NFR licence request was already %(status)s.")
        % {"status": licence.get_status_display()}
    ),
    related=("product", "requested_by", "organisation"),
)


@transaction.atomic
def nfr_agreement_accept(*, user: User, agreement: NfrAgreement) -> NfrAgreementAcceptance:
    """Record that ``user`` accepted ``agreement`` (which must be the version in force)."""
    membership = member(user)
    current = selectors.current_agreement()
    if current is None or agreement.pk != current.pk:
        raise ApplicationError(
            _("A newer version of the NFR agreement is in force; please read and accept it."),
            code=ErrorCode.AGREEMENT_OUTDATED,
        )
    acceptance, _created = NfrAgreementAcceptance.objects.get_or_create(
        agreement=agreement,
        user=user,
        defaults={"organisation": membership.organisation, "accepted_at": timezone.now()},
    )
    return acceptance


def _agreement_accepted(user: User) -> NfrAgreement:
    """The agreement in force, if ``user`` has accepted it; else a refusal."""
    agreement = selectors.current_agreement()
    if agreement is None:
        raise ApplicationError(
            _("NFR licences cannot be requested at the moment: no NFR agreement is in force."),
            code=ErrorCode.NO_AGREEMENT,
        )
    if not selectors.has_accepted(user=user, agreement=agreement):
        raise ApplicationError(
            _(
                "Please accept version %(version)s of the NFR agreement before you request "
                "a licence."
            )
            % {"version": agreement.version},
            code=ErrorCode.AGREEMENT_REQUIRED,
        )
    return agreement


def _check_allowance(membership: Membership, organisation: Organisation, product: Product) -> None:
    """Refuse a request when the organisation holds all the licences its level allows."""
    allowed = selectors.nfr_allowance(organisation=organisation, product=product)
    held = selectors.nfr_licences_held(organisation=organisation, product=product)
    if held < allowed:
        return
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
    raise ApplicationError(message, code=ErrorCode.ALLOWANCE_EXHAUSTED)


@transaction.atomic
def nfr_licence_request(*, user: User, product: Product, purpose: str = "") -> NfrLicence:
    """Ask for an NFR licence of ``product`` within the level's allowance."""
    membership = member(user)
    agreement = _agreement_accepted(user)
    # Lock the organisation: two requests at once cannot both take the last licence allowed.
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    _check_allowance(membership, organisation, product)
    licence = NfrLicence.objects.create(
        organisation=organisation,
        product=product,
        requested_by=user,
        purpose=clean_text(purpose, field=_("the purpose"), limit=2000, required=False),
        agreement=agreement,
    )
    mail_sales(
        membership.organisation,
        template="nfr_licence_requested",
        licence=licence,
        admin_url=admin_link(licence),
    )
    return licence


def nfr_licence_key() -> str:
    """A new licence key: ``NFR-`` and five groups of five unmistakable characters."""
    groups = (
        "".join(secrets.choice(KEY_ALPHABET) for _i in range(KEY_GROUP_LENGTH))
        for _g in range(KEY_GROUPS)
    )
    return "NFR-" + "-".join(groups)


def _licence_issue(licence: NfrLicence, now: datetime) -> list[str]:
    licence.licence_key = nfr_licence_key()
    licence.expires_at = now + timedelta(days=settings.NFR_EVALUATION_DAYS)
    return ["licence_key", "expires_at"]


@transaction.atomic
def nfr_licence_approve(*, licence: NfrLicence, actor: User) -> NfrLicence:
    """Issue the licence key, valid for the NFR evaluation period."""
    return decide(
        NFR_LICENCE,
        licence,
        status=Decision.APPROVED,
        actor=actor,
        change=_licence_issue,
        template="nfr_licence_approved",
        partner_url=site_url(reverse("partners:area")),
    )


@transaction.atomic
def nfr_licence_decline(*, licence: NfrLicence, reason: str, actor: User) -> NfrLicence:
    """Decline the licence request, telling the member who asked why."""
    return decline(
        NFR_LICENCE, licence, reason=reason, actor=actor, template="nfr_licence_declined"
    )


def _expiry_reminders(ids: list[int]) -> list[dict]:
    """The reminder mails of the licences ``ids``, each in its holder's language."""
    emails = []
    for licence in NfrLicence.objects.filter(pk__in=ids).select_related(
        "product", "requested_by", "organisation"
    ):
        language = language_of(licence.requested_by)
        rendered = outbox.email_render(
            template="nfr_licence_expiring",
            context={"licence": licence, "partner_url": site_url(reverse("partners:area"))},
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
    return emails


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
            outbox.email_enqueue_many(emails=_expiry_reminders(ids))
        total += len(ids)
        if len(ids) < batch:
            break
    return total
