"""The customer's endpoints of the tickets API: their tickets, opening, writing, closing, reopening.

A customer sees only the signed-in account's own tickets (staff included: staff work on
customers' tickets under /staff/). Another account's ticket and an unknown ID get the same 404.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from entitlements.errors import ErrorCode as EntitlementCode
from entitlements.serializers import DetailSerializer
from entitlements.services import EntitlementRefused
from portal.core.errors import ApplicationError
from tickets import access, selectors, services
from tickets.apis.common import (
    CREATE_ERROR_FIELDS,
    MESSAGE_ERROR_FIELDS,
    REOPEN_ERROR_FIELDS,
    TICKET_ID,
    VALIDATION_ERRORS,
    TicketCommentThrottle,
    TicketSubmitThrottle,
    _both_formats,
    _error,
    _message,
    _ticket_detail,
)
from tickets.models import Message, Ticket
from tickets.serializers import (
    CustomerMessageCreateSerializer,
    ErrorSerializer,
    MessageSerializer,
    RefusalSerializer,
    ReopenSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketPageSerializer,
    TicketSerializer,
)

NOT_SIGNED_IN = OpenApiResponse(DetailSerializer, description="Not signed in.")
NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="No such ticket for this account: unknown, or another customer's (the answer is "
    "the same).",
)
THROTTLED = OpenApiResponse(DetailSerializer, description="Too many requests; try again later.")


def _comment_responses(success: int, answer: type[Serializer]) -> dict:
    """The answers to a rate-limited write on one of the customer's tickets."""
    return {
        success: answer,
        400: VALIDATION_ERRORS,
        403: NOT_SIGNED_IN,
        404: NOT_FOUND,
        429: THROTTLED,
    }


def _created_detail(created: services.NewTicket) -> Ticket:
    """The new ticket as ``_ticket_detail`` would read it, from what was just written.

    A new ticket's public conversation is its first message with that message's files.
    """
    ticket = created.ticket
    message = created.message
    if message is None:
        return _ticket_detail(ticket.pk)
    message.listed_attachments = list(created.attachments)
    ticket.public_messages = [message]
    return ticket


def _refusal(exc: EntitlementRefused) -> Response:
    """The 403 answer when the entitlement rules refuse a new ticket: why, and what to buy."""
    decision = exc.decision
    body = {
        "detail": decision.reason,
        "reason": decision.reason,
        "reason_code": decision.reason_code,
        "purchase_options": list(decision.purchase_options),
        "supported_until": decision.supported_until,
    }
    return Response(RefusalSerializer(body).data, status=status.HTTP_403_FORBIDDEN)


class TicketPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema(
    methods=["GET"],
    operation_id="tickets_list",
    summary="The signed-in customer's tickets",
    description="The account's own tickets, most recent activity first, 25 a page "
    "(`?page=2`, `?page_size=` up to 100).",
    parameters=[
        OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="Tickets a page, at most 100."),
    ],
    responses={200: TicketPageSerializer, 403: NOT_SIGNED_IN, 404: OpenApiResponse(
        DetailSerializer, description="No such page.")},
    tags=["tickets"],
)  # fmt: skip
@extend_schema(
    methods=["POST"],
    operation_id="tickets_create",
    summary="Open a support request",
    description="Opens a ticket under the customer's entitlement for the product, version, "
    "category and channel. Send JSON, or multipart with the attachments as `files`. A password "
    "in the description is masked before it is stored. Refused by the entitlement rules: 403 "
    "with the reason and what could be bought. Rate-limited per account (`TICKET_RATE_SUBMIT`).",
    request=_both_formats(TicketCreateSerializer),
    responses={
        201: TicketDetailSerializer,
        400: VALIDATION_ERRORS,
        403: OpenApiResponse(
            RefusalSerializer,
            description="Refused by the entitlement rules (or not signed in: `detail` only).",
            examples=[
                OpenApiExample(
                    "No support",
                    value={
                        "detail": "You have no support for NovaBACKUP Professional.",
                        "reason": "You have no support for NovaBACKUP Professional.",
                        "reason_code": EntitlementCode.NO_ENTITLEMENT,
                        "purchase_options": ["premium", "per-incident"],
                        "supported_until": None,
                    },
                )
            ],
        ),
        429: THROTTLED,
    },
    tags=["tickets"],
)
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([TicketSubmitThrottle])
def ticket_list_create(request: Request) -> Response:
    if request.method == "GET":
        return _ticket_list(request)
    serializer = TicketCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        created = services.ticket_create(
            customer=request.user, via=Message.Via.API, **serializer.validated_data
        )
    except EntitlementRefused as exc:
        return _refusal(exc)
    except ApplicationError as exc:
        return _error(exc, CREATE_ERROR_FIELDS)
    ticket = _created_detail(created)
    return Response(
        TicketDetailSerializer(ticket).data,
        status=status.HTTP_201_CREATED,
        headers={"Location": reverse("api:ticket-detail", args=[ticket.ticket_id])},
    )


def _ticket_list(request: Request) -> Response:
    tickets = selectors.customer_tickets(customer=request.user)
    paginator = TicketPagination()
    page = paginator.paginate_queryset(tickets, request)
    return paginator.get_paginated_response(TicketSerializer(page, many=True).data)


@extend_schema(
    operation_id="tickets_retrieve",
    summary="One of the customer's tickets with its conversation",
    description="The ticket and its public messages, oldest first, with attachment metadata "
    "and download paths. Internal notes of support are never included.",
    parameters=[TICKET_ID],
    responses={200: TicketDetailSerializer, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
    tags=["tickets"],
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def ticket_detail(request: Request, ticket_id: str) -> Response:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    return Response(TicketDetailSerializer(_ticket_detail(ticket.pk)).data)


@extend_schema(
    operation_id="tickets_messages_create",
    summary="Write to support on a ticket",
    description="Adds the customer's message (JSON, or multipart with `files`). A waiting "
    "ticket is open again. A ticket closed automatically for want of an answer reopens; any "
    "other closed ticket must be reopened with a comment (400, code `closed`). Rate-limited "
    "per account (`TICKET_RATE_COMMENT`).",
    parameters=[TICKET_ID],
    request=_both_formats(CustomerMessageCreateSerializer),
    responses=_comment_responses(201, MessageSerializer),
    tags=["tickets"],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([TicketCommentThrottle])
def ticket_message_create(request: Request, ticket_id: str) -> Response:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    serializer = CustomerMessageCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        message = services.ticket_customer_message(
            ticket=ticket, via=Message.Via.API, actor=request.user, **serializer.validated_data
        )
    except ApplicationError as exc:
        return _error(exc, MESSAGE_ERROR_FIELDS)
    return Response(MessageSerializer(_message(message)).data, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="tickets_close",
    summary="Close a ticket",
    description="The customer closes their ticket: the problem is solved or no longer matters. "
    "Only a ticket that is not closed yet can be closed (400, code `invalid-transition`).",
    parameters=[TICKET_ID],
    request=None,
    responses={
        200: TicketDetailSerializer,
        400: OpenApiResponse(ErrorSerializer, description="Already closed."),
        403: NOT_SIGNED_IN,
        404: NOT_FOUND,
    },
    tags=["tickets"],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def ticket_close(request: Request, ticket_id: str) -> Response:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    try:
        services.ticket_close_by_customer(ticket=ticket, actor=request.user)
    except ApplicationError as exc:
        return _error(exc, {})
    return Response(TicketDetailSerializer(_ticket_detail(ticket.pk)).data)


@extend_schema(
    operation_id="tickets_reopen",
    summary="Reopen a closed ticket",
    description="Reopens a closed ticket with the customer's comment (required); no further "
    "credit is used. A ticket support cancelled as opened by mistake cannot be reopened. "
    "Counts against the message rate (`TICKET_RATE_COMMENT`).",
    parameters=[TICKET_ID],
    request=ReopenSerializer,
    responses=_comment_responses(200, TicketDetailSerializer),
    tags=["tickets"],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([TicketCommentThrottle])
def ticket_reopen(request: Request, ticket_id: str) -> Response:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    serializer = ReopenSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        services.ticket_reopen(
            ticket=ticket,
            comment=serializer.validated_data["comment"],
            actor=request.user,
            via=Message.Via.API,
        )
    except ApplicationError as exc:
        return _error(exc, REOPEN_ERROR_FIELDS)
    return Response(TicketDetailSerializer(_ticket_detail(ticket.pk)).data)
