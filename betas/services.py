"""Writes of the beta group: enrolling for a product's beta, and leaving it.

A member of a partner organisation enrols for the organisation, and only while its level
includes beta access; anyone else enrols for themselves. Every enrolment rests on NCEP: an
installation that takes part in it, or the accepted commitment to turn it on.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from betas import selectors
from betas.models import COMMITMENT_VERSION, Enrolment
from entitlements.models import Product
from partners.models import Organisation
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User


def _organisation_for(user: User, organisation: Organisation | None) -> Organisation | None:
    """The organisation ``user`` enrols for (None: themselves), or a refusal."""
    memberships = selectors.partner_memberships(user=user)
    if not memberships:
        if organisation is not None:
            raise ApplicationError(
                _("You are not a member of %(organisation)s.")
                % {"organisation": organisation.name},
                code="not-a-member",
            )
        return None
    if organisation is None:
        if len(memberships) > 1:
            raise ApplicationError(
                _("Choose the partner organisation you enrol for."),
                code="organisation-required",
            )
        organisation = memberships[0].organisation
    membership = next((m for m in memberships if m.organisation_id == organisation.pk), None)
    if membership is None:
        raise ApplicationError(
            _("You are not a member of %(organisation)s.") % {"organisation": organisation.name},
            code="not-a-member",
        )
    level = membership.organisation.level
    if not level.beta_access:
        raise ApplicationError(
            _(
                "The partner level of %(organisation)s (%(level)s) does not include beta "
                "access, so its members cannot join a beta group."
            )
            % {"organisation": organisation.name, "level": level.name},
            code="beta-not-included",
        )
    return membership.organisation


def _participation(installation_id: uuid.UUID | None, commitment: bool) -> dict:
    from telemetry import selectors as telemetry_selectors

    if installation_id is not None:
        if not telemetry_selectors.installation_participates(installation_id=installation_id):
            raise ApplicationError(
                _(
                    "The installation %(id)s does not take part in the Customer Experience "
                    "Programme (NCEP): it has not joined it, or it has left. Turn NCEP on in "
                    "the product, or enrol without an installation ID and commit to "
                    "turning it on."
                )
                % {"id": installation_id},
                code="installation-not-participating",
            )
        return {"installation_id": installation_id}
    if commitment:
        return {"commitment_version": COMMITMENT_VERSION, "committed_at": timezone.now()}
    raise ApplicationError(
        _(
            "Beta versions require the Customer Experience Programme (NCEP): give the ID of "
            "an installation that takes part, or commit to turning NCEP on."
        ),
        code="ncep-required",
    )


def enrolment_create(
    *,
    user: User,
    product: Product,
    organisation: Organisation | None = None,
    installation_id: uuid.UUID | None = None,
    commitment: bool = False,
) -> Enrolment:
    """Enrol ``user`` (or their partner organisation) in the beta group of ``product``."""
    if not product.is_active:
        raise ApplicationError(
            _("%(product)s has no beta group.") % {"product": product.name},
            code="product-not-available",
        )
    organisation = _organisation_for(user, organisation)
    participation = _participation(installation_id, commitment)
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                user=user, organisation=organisation, product=product, **participation
            )
    except IntegrityError as exc:
        if organisation is not None:
            message = _("%(organisation)s is already in the beta group of %(product)s.") % {
                "organisation": organisation.name,
                "product": product.name,
            }
        else:
            message = _("You are already in the beta group of %(product)s.") % {
                "product": product.name
            }
        raise ApplicationError(message, code="already-enrolled") from exc


def enrolment_leave(*, enrolment: Enrolment, left_by: User) -> Enrolment:
    """End ``enrolment``: by the person (or a member of the organisation) or by staff."""
    if not (
        left_by.is_staff or selectors.enrolment_for_user(user=left_by, enrolment_id=enrolment.pk)
    ):
        raise ApplicationError(_("This enrolment is not yours to end."), code="not-your-enrolment")
    with transaction.atomic():
        updated = Enrolment.objects.filter(pk=enrolment.pk, left_at__isnull=True).update(
            left_at=timezone.now(), left_by=left_by
        )
        if not updated:
            raise ApplicationError(_("This enrolment has already ended."), code="enrolment-ended")
        enrolment.refresh_from_db()
    return enrolment
