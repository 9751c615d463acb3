"""Using an entitlement for a request, and giving the use back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.models import Channel, Entitlement, EntitlementEvent, Product
from entitlements.services.decision import Allowed, EntitlementRefused, Refused, check
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User
    from teams.models import Team


def entitlement_use(
    *,
    customer: User,
    product: Product | str,
    version: str,
    category: str,
    channel: str = Channel.ONLINE,
    reference: str,
    actor: User | None = None,
    team: Team | None = None,
) -> Allowed:
    """Decide and take: record the use, and use up a credit where the entitlement has uses.

    Two requests racing for the last credit: the conditional UPDATE lets exactly one of them
    take it; the other decides again and is refused (or served by another entitlement).

    The decision only reads, so it runs before the write block: a refusal is raised outside
    it and leaves the caller's transaction usable. The credit and its event are written
    together; inside the caller's transaction they need no savepoint of their own.
    """
    for _attempt in range(3):
        decision = check(
            customer=customer,
            product=product,
            version=version,
            category=category,
            channel=channel,
            team=team,
        )
        if isinstance(decision, Refused):
            raise EntitlementRefused(decision)
        entitlement = decision.entitlement
        with transaction.atomic(savepoint=False):
            if entitlement.uses_total is not None:
                taken = Entitlement.objects.filter(pk=entitlement.pk, uses_left__gt=0).update(
                    uses_left=F("uses_left") - 1
                )
                if not taken:
                    continue
                entitlement.refresh_from_db(fields=["uses_left"])
            EntitlementEvent.objects.create(
                entitlement=entitlement,
                action=EntitlementEvent.Action.CONSUMED,
                reference=reference,
                actor=actor,
            )
        return decision
    decision = check(
        customer=customer,
        product=product,
        version=version,
        category=category,
        channel=channel,
        team=team,
    )
    raise EntitlementRefused(decision)


@transaction.atomic
def entitlement_give_back(
    *, entitlement: Entitlement, reference: str, reason: str, actor: User | None = None
) -> Entitlement:
    """Return the use a request took (support cancelled it as a mistake); record why."""
    if not reason.strip():
        raise ApplicationError(
            _("Say why the credit is given back."), code=ErrorCode.REASON_REQUIRED
        )
    if not entitlement.events.filter(
        action=EntitlementEvent.Action.CONSUMED, reference=reference
    ).exists():
        raise ApplicationError(
            _("Request %(reference)s did not use this entitlement.") % {"reference": reference},
            code=ErrorCode.NOT_USED,
        )
    try:
        with transaction.atomic():
            EntitlementEvent.objects.create(
                entitlement=entitlement,
                action=EntitlementEvent.Action.GIVEN_BACK,
                reference=reference,
                reason=reason.strip(),
                actor=actor,
            )
    except IntegrityError:
        raise ApplicationError(
            _("The use by %(reference)s was already given back.") % {"reference": reference},
            code=ErrorCode.ALREADY_GIVEN_BACK,
        ) from None
    if entitlement.uses_total is not None:
        Entitlement.objects.filter(pk=entitlement.pk, uses_left__lt=F("uses_total")).update(
            uses_left=F("uses_left") + 1
        )
        entitlement.refresh_from_db(fields=["uses_left"])
    return entitlement
