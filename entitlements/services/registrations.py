"""Registering a licence or an evaluation, which starts the product's Free Trial Support."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.models import (
    Entitlement,
    Licence,
    Offering,
    Product,
    Registration,
    Release,
    SupportKind,
    licence_key_normalise,
)
from entitlements.services.grants import entitlement_grant
from entitlements.services.products import product_get
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User


def _registration_valid(*, product: Product, kind: str, key: str, version: str) -> None:
    """Refuse a registration without a key, of an unknown kind or of a version never released."""
    if not key:
        raise ApplicationError(
            _("Enter the licence key or evaluation ID."), code=ErrorCode.KEY_REQUIRED
        )
    if kind not in Registration.Kind.values:
        raise ApplicationError(_("Choose licence or evaluation."), code=ErrorCode.INVALID_KIND)
    if not Release.objects.filter(product=product, version=version.strip()).exists():
        raise ApplicationError(
            _("%(product)s has no version %(version)s.")
            % {"product": product.name, "version": version},
            code=ErrorCode.UNKNOWN_VERSION,
        )


def _licence_for(*, product: Product, kind: str, key: str) -> Licence | None:
    """The licence an order issued with ``key``; refuse a key registered as the wrong kind."""
    licence = Licence.objects.filter(key=key).select_related("product").first()
    if kind == Registration.Kind.LICENCE and (licence is None or licence.product_id != product.pk):
        raise ApplicationError(
            _(
                "This licence key was not issued by an order for %(product)s. Please check the "
                "key in your order confirmation; to try %(product)s, register the evaluation ID "
                "of your trial instead."
            )
            % {"product": product.name},
            code=ErrorCode.LICENCE_UNKNOWN,
        )
    if kind == Registration.Kind.EVALUATION and licence is not None:
        raise ApplicationError(
            _("This is a licence key from an order: register it as a licence."),
            code=ErrorCode.KEY_IS_LICENCE,
        )
    return licence


def _trial_start(*, customer: User, product: Product, registration: Registration) -> None:
    """Start the Free Trial of a new registration, but one evaluation trial per account and
    product: a new evaluation ID starts no other."""
    if (
        registration.kind == Registration.Kind.EVALUATION
        and Entitlement.objects.filter(
            customer=customer,
            product=product,
            kind=SupportKind.FREE_TRIAL,
            registration__kind=Registration.Kind.EVALUATION,
        ).exists()
    ):
        return
    trial = Offering.objects.get(kind=SupportKind.FREE_TRIAL)
    entitlement_grant(
        customer=customer,
        product=product,
        offering=trial,
        starts_at=registration.registered_at,
        source=f"registration {registration.key}",
        registration=registration,
        stack=False,
    )


@transaction.atomic
def registration_create(
    *,
    customer: User,
    product: Product | str,
    kind: str,
    key: str,
    version: str,
    registered_at: datetime | None = None,
) -> tuple[Registration, bool]:
    """Register a licence or evaluation; return (registration, created).

    A licence key must have been issued by an order: the registration takes that order's
    purchase date (the day in the customer's team calendar), which decides the free upgrade.
    Any other key is registered only as an evaluation. The first registration of a licence key
    starts its Free Trial; an evaluation starts one only when the account has had no evaluation
    trial for the product. Registering the same key again returns the existing registration.
    """
    from entitlements.selectors import calendar_day, calendar_zone

    product = product_get(product)
    key = licence_key_normalise(key)
    _registration_valid(product=product, kind=kind, key=key, version=version)
    # Registrations of one account are serialised, so two at once cannot both start the
    # account's one evaluation trial of a product.
    get_user_model().objects.select_for_update().filter(pk=customer.pk).first()
    existing = Registration.objects.select_for_update().filter(product=product, key=key).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise ApplicationError(
                _(
                    "This key is already registered to another account. "
                    "If it is yours, please contact support."
                ),
                code=ErrorCode.KEY_TAKEN,
            )
        return existing, False
    licence = _licence_for(product=product, kind=kind, key=key)
    registered_at = registered_at or timezone.now()
    purchased_on = None
    if licence is not None:
        purchased_on = calendar_day(licence.purchased_at, calendar_zone(customer=customer))
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                customer=customer,
                product=product,
                kind=kind,
                key=key,
                version=version.strip(),
                purchased_on=purchased_on,
                licence=licence,
                registered_at=registered_at,
            )
    except IntegrityError:
        # The same key was registered at the same moment by another request.
        return registration_create(
            customer=customer, product=product, kind=kind, key=key, version=version
        )
    _trial_start(customer=customer, product=product, registration=registration)
    return registration, True
