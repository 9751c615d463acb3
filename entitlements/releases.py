"""Release announcements: one e-mail per opted-in customer with a licence, and what it costs them.

``release_publish`` hands the release to a task; the task calls ``release_announce``, which
writes the e-mails in batches. Each batch writes a ``ReleaseNotice`` per customer in the same
transaction as the outbox rows, and picks only customers without one, so running it again (after
a crash, or twice at once) goes on where it stopped and never mails anyone twice.

Beta releases are never announced: their builds are for the beta group, who hear of them there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from entitlements import selectors
from entitlements.errors import ErrorCode
from entitlements.models import (
    Registration,
    Release,
    ReleaseNotice,
    SupportKind,
)
from portal.core import services as outbox
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User

logger = logging.getLogger(__name__)

# Customers per transaction: one short transaction each, so a crash loses at most one batch.
BATCH_SIZE = 200
UNSUBSCRIBE_SALT = "entitlements.release-emails.unsubscribe"
TEMPLATE = "release_published"


def release_publish(*, release: Release, actor: User | None) -> None:
    """Announce ``release`` to its customers; the e-mails are written by a task after commit."""
    if release.is_beta:
        raise ApplicationError(
            _("Beta releases are not announced by e-mail."), code=ErrorCode.RELEASE_IS_BETA
        )
    logger.info("Release %s announced by %s", release, getattr(actor, "pk", None))
    transaction.on_commit(lambda: _queue_announcement(release_id=release.pk))


def _queue_announcement(*, release_id: int) -> bool:
    from entitlements.tasks import announce_release

    try:
        announce_release.apply_async(args=[release_id], retry=False)
    except (KombuError, OSError) as exc:
        logger.warning("Release %s not announced (broker unavailable: %s)", release_id, exc)
        return False
    return True


def release_audience(*, release: Release) -> QuerySet[User]:
    """Customers still to be told of ``release``: opted in, with a licence of its product."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            is_staff=False,
            release_notifications=True,
            registrations__product_id=release.product_id,
            registrations__kind=Registration.Kind.LICENCE,
        )
        .exclude(release_notices__release=release)
        .distinct()
        .order_by("pk")
    )


def release_announce(*, release: Release, batch_size: int | None = None) -> int:
    """Write the announcement of ``release`` for everyone still owed it; return how many."""
    if release.is_beta:
        return 0
    batch_size = batch_size or BATCH_SIZE
    total = 0
    while True:
        sent = _announce_batch(release=release, batch_size=batch_size)
        total += sent
        if sent < batch_size:
            return total


def _announce_batch(*, release: Release, batch_size: int) -> int:
    with transaction.atomic():
        # Two runs for the same release take turns, so neither picks a customer the other
        # is writing; the unique notice would refuse the second anyway.
        Release.objects.select_for_update().filter(pk=release.pk).get()
        customers = list(release_audience(release=release)[:batch_size])
        if not customers:
            return 0
        registrations = _newest_licences(release=release, customers=customers)
        protection = _protection_periods(release=release, customers=customers)
        notices, emails = [], []
        for customer in customers:
            # The cost line is translated text: work it out in the customer's language.
            with translation.override(customer.language or settings.LANGUAGE_CODE):
                cost = release_cost(
                    release=release,
                    registration=registrations[customer.pk],
                    protection=protection.get(customer.pk, []),
                )
            notices.append(ReleaseNotice(release=release, customer=customer, price=cost.price))
            emails.append(_email(release=release, customer=customer, cost=cost))
        ReleaseNotice.objects.bulk_create(notices)
        outbox.email_enqueue_many(emails=emails)
    return len(customers)


def _newest_licences(*, release: Release, customers: list[User]) -> dict[int, Registration]:
    """Each customer's licence of the product with the highest version: the one to upgrade."""
    newest: dict[int, Registration] = {}
    registrations = (
        Registration.objects.filter(
            customer__in=customers,
            product_id=release.product_id,
            kind=Registration.Kind.LICENCE,
        )
        .select_related("product", "licence", "customer")
        .prefetch_related("product__releases")
    )
    for registration in registrations:
        current = newest.get(registration.customer_id)
        if current is None or _version_key(registration.version) > _version_key(current.version):
            newest[registration.customer_id] = registration
    return newest


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _protection_periods(*, release: Release, customers: list[User]) -> dict[int, list]:
    from entitlements.models import Entitlement

    periods: dict[int, list] = {}
    rows = Entitlement.objects.filter(
        customer__in=customers,
        product_id=release.product_id,
        kind=SupportKind.UPGRADE_PROTECTION,
        revoked_at__isnull=True,
        ends_at__isnull=False,
    ).values_list("customer_id", "starts_at", "ends_at")
    for customer_id, starts_at, ends_at in rows:
        periods.setdefault(customer_id, []).append((starts_at, ends_at))
    return periods


@dataclass(frozen=True)
class ReleaseCost:
    owned_version: str
    price: str  # update, free, discounted, full
    reason: str


def release_cost(
    *,
    release: Release,
    registration: Registration,
    protection: list[tuple[datetime, datetime]] | None = None,
) -> ReleaseCost:
    """What ``release`` costs the owner of ``registration``, in the active language.

    A release within (or below) the owned major version is a free update; a newer major costs
    what the upgrade answer says.
    """
    if release.major <= registration.major:
        return ReleaseCost(
            owned_version=registration.version,
            price="update",
            reason=_("Updates within your major version %(major)s are free for you.")
            % {"major": registration.major},
        )
    answer = selectors.upgrade_answer(
        registration=registration, at=timezone.now(), protection=protection
    )
    return ReleaseCost(
        owned_version=registration.version,
        price="update" if answer.price == "current" else answer.price,
        reason=answer.reason,
    )


def _email(*, release: Release, customer: User, cost: ReleaseCost) -> dict:
    language = customer.language or settings.LANGUAGE_CODE
    url = unsubscribe_url(customer=customer)
    rendered = outbox.email_render(
        template=TEMPLATE,
        context={
            "release": release,
            "product": release.product,
            "customer": customer,
            "cost": cost,
            "unsubscribe_url": url,
        },
        language=language,
    )
    return {
        "to": customer.email,
        "tag": TEMPLATE,
        "language": language,
        "headers": {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        **rendered,
    }


def unsubscribe_token(*, customer: User) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(customer.pk))


def unsubscribe_customer(*, token: str) -> User | None:
    """The customer a signed unsubscribe token names, or None when it is not valid."""
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk).first()


def unsubscribe_url(*, customer: User) -> str:
    path = reverse(
        "entitlements:release_unsubscribe", kwargs={"token": unsubscribe_token(customer=customer)}
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def release_emails_unsubscribe(*, customer: User) -> None:
    """Stop release e-mails to ``customer``; the profile can turn them on again."""
    get_user_model().objects.filter(pk=customer.pk).update(release_notifications=False)
    customer.release_notifications = False
