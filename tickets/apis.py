"""REST API of the tickets app, mounted under /api/v1/.

Thin views, as in ``entitlements.apis``: an input serializer validates, a service does the work,
an output serializer answers. Errors are JSON: ``{"field": ["message"]}`` for input a client can
correct, ``{"detail": "message", "code": "code"}`` for a rule the service refuses.

Access: the customer endpoints see only the signed-in account's own tickets (staff included: staff
work on customers' tickets under /staff/). Another account's ticket, an unknown ID, and a staff
endpoint called by an account that is not staff all get the same 404, so nothing reveals which
tickets exist. A staff endpoint needs the permission of the desk action it mirrors
(``tickets.selectors.staff_may_triage``): staff whose role has no ticket rights (Sales, Product
team) get 403 before the ticket is looked up. Signed-out callers, and a ``Token`` that is not
valid, get 403 before anything is looked up.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from entitlements.serializers import DetailSerializer
from entitlements.services import EntitlementRefused
from portal.core.errors import ApplicationError
from tickets import access, selectors, services
from tickets.models import Message, Ticket
from tickets.serializers import (
    CallAttemptCreateSerializer,
    CustomerMessageCreateSerializer,
    ErrorSerializer,
    MessageSerializer,
    RefusalSerializer,
    ReopenSerializer,
    StaffActionResultSerializer,
    StaffReplyCreateSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketPageSerializer,
    TicketSerializer,
)

# --- Errors -------------------------------------------------------------------------------------

# Which request field a service's ApplicationError code is about, per endpoint.
FILE_ERROR_CODES = (
    "file-too-large",
    "file-empty",
    "file-content-mismatch",
    "file-type",
    "too-many-files",
    "ticket-files-too-large",
)
FILE_ERROR_FIELDS = dict.fromkeys(FILE_ERROR_CODES, "files")
CREATE_ERROR_FIELDS = {
    "unknown-product": "product",
    "invalid-category": "category",
    "invalid-channel": "channel",
    "invalid-language": "language",
    "remote-id-not-needed": "remote_id",
    "invalid-remote-id": "remote_id",
    "phone-required": "phone",
    **FILE_ERROR_FIELDS,
}
MESSAGE_ERROR_FIELDS = {"required": "body", "too-long": "body", **FILE_ERROR_FIELDS}
REOPEN_ERROR_FIELDS = {"required": "comment", "too-long": "comment"}
REPLY_ERROR_FIELDS = MESSAGE_ERROR_FIELDS


def _error(exc: ApplicationError, fields: dict[str, str]) -> Response:
    field = fields.get(exc.code)
    body = {field: [exc.message]} if field else {"detail": exc.message, "code": exc.code}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _not_found() -> NotFound:
    # One answer for every ticket a caller may not see, whether it exists or not.
    return NotFound(access.NOT_FOUND)


NOT_SIGNED_IN = OpenApiResponse(DetailSerializer, description="Not signed in.")
NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="No such ticket for this account: unknown, or another customer's (the answer is "
    "the same).",
)
STAFF_NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="Unknown ticket, or the account is not staff (the answer is the same).",
)
STAFF_REFUSED = OpenApiResponse(
    DetailSerializer,
    description="Not signed in, or a staff role without ticket rights (Sales, Product team).",
)
VALIDATION_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid input: a list of messages for each field at fault, or `detail` and "
    "`code` when the request as a whole is refused (e.g. `invalid-transition`, `closed`).",
    examples=[
        OpenApiExample("Missing subject", value={"subject": ["This field is required."]}),
        OpenApiExample(
            "Not allowed now",
            value={
                "detail": "Request NS-2026-000001 is closed: it cannot be answered.",
                "code": "invalid-transition",
            },
        ),
    ],
)
THROTTLED = OpenApiResponse(DetailSerializer, description="Too many requests; try again later.")
TICKET_ID = OpenApiParameter(
    "ticket_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The ticket ID, e.g. NS-2026-000001.",
)
REQUEST_FORMATS = ("application/json", "multipart/form-data")


def _both_formats(serializer) -> dict:
    """A request body as JSON or as multipart (the only way to send ``files``)."""
    return dict.fromkeys(REQUEST_FORMATS, serializer)


# --- Throttles ----------------------------------------------------------------------------------


class _SettingRateThrottle(UserRateThrottle):
    """Per-account rate read from a setting at each request (``"10/h"``, ``"60/m"``, ...).

    Only writes count: reads on the same endpoint are never throttled.
    """

    setting: str
    message: str | Promise

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if super().allow_request(request, view):
            return True
        raise Throttled(wait=self.wait(), detail=str(self.message))


class TicketSubmitThrottle(_SettingRateThrottle):
    """New tickets per account: ``TICKET_RATE_SUBMIT``."""

    scope = "ticket-submit"
    setting = "TICKET_RATE_SUBMIT"
    message = gettext_lazy("You have sent too many new requests in a short time.")


class TicketCommentThrottle(_SettingRateThrottle):
    """Customer messages (and reopening comments) per account: ``TICKET_RATE_COMMENT``."""

    scope = "ticket-comment"
    setting = "TICKET_RATE_COMMENT"
    message = gettext_lazy("You have sent too many messages in a short time.")


# --- Permissions and lookups --------------------------------------------------------------------


class MayTriageElseNotFound(BasePermission):
    """Staff who may act on tickets, as in the desk.

    A signed-in account that is not staff gets the 404 of an unknown ticket; staff whose role
    gives no ticket rights get 403, decided before any ticket is looked up.
    """

    message = gettext_lazy("Your staff role does not allow acting on support requests.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.is_staff:
            raise _not_found()
        return selectors.staff_may_triage(user)


def _listed_files() -> Prefetch:
    """A message's attachments as the list ``listed_attachments``, which the serializer reads."""
    return Prefetch("attachments", to_attr="listed_attachments")


def _public_messages() -> Prefetch:
    return Prefetch(
        "messages",
        queryset=Message.objects.exclude(kind=Message.Kind.NOTE).prefetch_related(_listed_files()),
        to_attr="public_messages",
    )


def _ticket_detail(ticket_pk: int) -> Ticket:
    return (
        Ticket.objects.select_related("product", "team")
        .prefetch_related(_public_messages())
        .get(pk=ticket_pk)
    )


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


def _message(message: Message) -> Message:
    return (
        Message.objects.select_related("ticket__team")
        .prefetch_related(_listed_files())
        .get(pk=message.pk)
    )


class TicketPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


# --- Customer endpoints -------------------------------------------------------------------------


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
                        "reason_code": "no-entitlement",
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
        decision = exc.decision
        body = {
            "detail": decision.reason,
            "reason": decision.reason,
            "reason_code": decision.reason_code,
            "purchase_options": list(decision.purchase_options),
            "supported_until": decision.supported_until,
        }
        return Response(RefusalSerializer(body).data, status=status.HTTP_403_FORBIDDEN)
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
    responses={
        201: MessageSerializer,
        400: VALIDATION_ERRORS,
        403: NOT_SIGNED_IN,
        404: NOT_FOUND,
        429: THROTTLED,
    },
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
    responses={
        200: TicketDetailSerializer,
        400: VALIDATION_ERRORS,
        403: NOT_SIGNED_IN,
        404: NOT_FOUND,
        429: THROTTLED,
    },
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


# --- Staff endpoints ----------------------------------------------------------------------------


def _staff_result(message: Message) -> Response:
    message = _message(message)
    ticket = Ticket.objects.select_related("team", "assignee").filter(pk=message.ticket_id).get()
    data = StaffActionResultSerializer({"message": message, "ticket": ticket}).data
    return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="staff_tickets_replies_create",
    summary="Staff: answer a ticket",
    description="Support's reply to the customer, as in the admin (JSON, or multipart with "
    "`files`). With `awaits_customer` the ticket waits for the customer and the reply counts as "
    "a contact attempt. Staff only: any other account gets the 404 of an unknown ticket.",
    parameters=[TICKET_ID],
    request=_both_formats(StaffReplyCreateSerializer),
    responses={
        201: StaffActionResultSerializer,
        400: VALIDATION_ERRORS,
        403: STAFF_REFUSED,
        404: STAFF_NOT_FOUND,
    },
    tags=["staff"],
)
@api_view(["POST"])
@permission_classes([MayTriageElseNotFound])
def staff_reply_create(request: Request, ticket_id: str) -> Response:
    ticket = access.staff_ticket(ticket_id=ticket_id)
    serializer = StaffReplyCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        message = services.ticket_reply(
            ticket=ticket, engineer=request.user, via=Message.Via.API, **serializer.validated_data
        )
    except ApplicationError as exc:
        return _error(exc, REPLY_ERROR_FIELDS)
    return _staff_result(message)


@extend_schema(
    operation_id="staff_tickets_call_attempts_create",
    summary="Staff: record a phone call",
    description="Records a call to the customer, as in the admin. A call that did not reach "
    "the customer counts as a contact attempt and the ticket waits for them; a reached call "
    "opens it and completes a due call-back. Staff only: any other account gets the 404 of an "
    "unknown ticket.",
    parameters=[TICKET_ID],
    request=CallAttemptCreateSerializer,
    responses={
        201: StaffActionResultSerializer,
        400: VALIDATION_ERRORS,
        403: STAFF_REFUSED,
        404: STAFF_NOT_FOUND,
    },
    tags=["staff"],
)
@api_view(["POST"])
@permission_classes([MayTriageElseNotFound])
def staff_call_attempt_create(request: Request, ticket_id: str) -> Response:
    ticket = access.staff_ticket(ticket_id=ticket_id)
    serializer = CallAttemptCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        message = services.ticket_log_call(
            ticket=ticket, engineer=request.user, via=Message.Via.API, **serializer.validated_data
        )
    except ApplicationError as exc:
        return _error(exc, {})
    return _staff_result(message)


urlpatterns = [
    path("tickets/", ticket_list_create, name="ticket-list"),
    path("tickets/<str:ticket_id>/", ticket_detail, name="ticket-detail"),
    path("tickets/<str:ticket_id>/messages/", ticket_message_create, name="ticket-message-create"),
    path("tickets/<str:ticket_id>/close/", ticket_close, name="ticket-close"),
    path("tickets/<str:ticket_id>/reopen/", ticket_reopen, name="ticket-reopen"),
    path("staff/tickets/<str:ticket_id>/replies/", staff_reply_create, name="staff-ticket-reply"),
    path(
        "staff/tickets/<str:ticket_id>/call-attempts/",
        staff_call_attempt_create,
        name="staff-ticket-call-attempt",
    ),
]
