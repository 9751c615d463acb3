"""The pre- and post-sales help of the ValueCREATE! programme: a member describes a customer
project, the sales representative forwards it to support as a ticket or declines it; a
technical representative opens post-sales tickets directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from entitlements.models import Category, Product
from partners.errors import ErrorCode
from partners.models import MemberRole, Membership, PresalesRequest
from partners.services.common import admin_link, language_of, mail_sales, member
from partners.services.decisions import RequestKind, decide, decline
from portal.core.errors import ApplicationError
from portal.core.text import clean_text
from tickets import services as ticket_services

if TYPE_CHECKING:
    from portal.accounts.models import User

PRESALES_REQUEST = RequestKind(
    waiting=PresalesRequest.Status.SUBMITTED,
    declined=PresalesRequest.Status.DECLINED,
    asker="requested_by",
    mail_name="presales",
    decided_message=lambda request: (
        _("This pre-sales request was already %(status)s.")
        % {"status": request.get_status_display()}
    ),
    related=("organisation", "product", "requested_by"),
)


def _require_help(membership: Membership, *, presales: bool) -> None:
    level = membership.organisation.level
    if presales and not level.presales_help:
        raise ApplicationError(
            _(
                "Pre-sales help is included from the Certified partner level; your organisation "
                "is at the %(level)s level."
            )
            % {"level": level.name},
            code=ErrorCode.PRESALES_NOT_INCLUDED,
        )
    if not presales and not level.postsales_help:
        raise ApplicationError(
            _(
                "Post-sales help is included from the Certified partner level; your organisation "
                "is at the %(level)s level."
            )
            % {"level": level.name},
            code=ErrorCode.POSTSALES_NOT_INCLUDED,
        )


@transaction.atomic
def presales_request_submit(
    *,
    user: User,
    customer_company: str,
    product: Product,
    expected_seats: int,
    description: str,
) -> PresalesRequest:
    """Describe a customer project; the request goes to the organisation's sales representative."""
    membership = member(user)
    _require_help(membership, presales=True)
    if not isinstance(expected_seats, int) or expected_seats < 1:
        raise ApplicationError(
            _("Enter the number of seats the customer expects (at least 1)."),
            code=ErrorCode.INVALID_SEATS,
        )
    request = PresalesRequest.objects.create(
        organisation=membership.organisation,
        requested_by=user,
        customer_company=clean_text(customer_company, field=_("the customer company"), limit=200),
        product=product,
        expected_seats=expected_seats,
        description=clean_text(description, field=_("the project description"), limit=10000),
    )
    mail_sales(
        membership.organisation,
        template="presales_request_received",
        presales=request,
        admin_url=admin_link(request),
    )
    return request


def _presales_ticket(request: PresalesRequest, actor: User) -> list[str]:
    """Open the pre-sales ticket of a forwarded request, in the language of the member who
    follows it."""
    follower = request.requested_by
    language = language_of(follower)
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
        customer=follower,
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
    return ["ticket_reference"]


@transaction.atomic
def presales_request_forward(*, request: PresalesRequest, actor: User) -> PresalesRequest:
    """Hand the request to support: it becomes a pre-sales ticket the partner member follows."""
    return decide(
        PRESALES_REQUEST,
        request,
        status=PresalesRequest.Status.FORWARDED,
        actor=actor,
        change=lambda record, _now: _presales_ticket(record, actor),
    )


@transaction.atomic
def presales_request_decline(
    *, request: PresalesRequest, reason: str, actor: User
) -> PresalesRequest:
    """Decline the pre-sales request, telling the member who sent it why."""
    return decline(
        PRESALES_REQUEST, request, reason=reason, actor=actor, template="presales_request_declined"
    )


@transaction.atomic
def postsales_ticket_open(
    *,
    user: User,
    product: Product | str,
    version: str,
    subject: str,
    description: str,
    language: str = "",
) -> ticket_services.NewTicket:
    """Open a post-sales request; only a technical representative of a partner whose level
    includes post-sales help may, and only they can follow it."""
    membership = member(user)
    _require_help(membership, presales=False)
    if membership.role != MemberRole.TECHNICAL:
        raise ApplicationError(
            _(
                "Only a technical representative of your organisation can open and handle "
                "post-sales requests; you are its %(role)s."
            )
            % {"role": membership.get_role_display()},
            code=ErrorCode.NOT_TECHNICAL,
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
