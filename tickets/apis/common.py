"""What the customer and staff endpoints of the tickets API share.

The answer to a refused request, the rates that limit writing, the OpenAPI descriptions of the
common answers and parameters, and the reads of a ticket and a message as the answers show them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Prefetch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import UserRateThrottle

from entitlements.errors import ErrorCode as EntitlementCode
from portal.core.errors import ApplicationError, CommonError
from tickets.errors import FILE_ERROR_CODES, ErrorCode
from tickets.models import Message, Ticket

if TYPE_CHECKING:
    from rest_framework.views import APIView

# --- Errors -------------------------------------------------------------------------------------

# Which request field a service's ApplicationError code is about, per endpoint.
FILE_ERROR_FIELDS: dict[str, str] = dict.fromkeys(FILE_ERROR_CODES, "files")
CREATE_ERROR_FIELDS: dict[str, str] = {
    EntitlementCode.UNKNOWN_PRODUCT: "product",
    EntitlementCode.INVALID_CATEGORY: "category",
    EntitlementCode.INVALID_CHANNEL: "channel",
    ErrorCode.INVALID_LANGUAGE: "language",
    ErrorCode.REMOTE_ID_NOT_NEEDED: "remote_id",
    ErrorCode.INVALID_REMOTE_ID: "remote_id",
    ErrorCode.PHONE_REQUIRED: "phone",
    **FILE_ERROR_FIELDS,
}
MESSAGE_ERROR_FIELDS: dict[str, str] = {
    CommonError.REQUIRED: "body",
    CommonError.TOO_LONG: "body",
    **FILE_ERROR_FIELDS,
}
REOPEN_ERROR_FIELDS: dict[str, str] = {
    CommonError.REQUIRED: "comment",
    CommonError.TOO_LONG: "comment",
}
REPLY_ERROR_FIELDS = MESSAGE_ERROR_FIELDS


def _error(exc: ApplicationError, fields: dict[str, str]) -> Response:
    """The 400 answer to a refusal: next to the field at fault, or as ``detail`` and ``code``."""
    field = fields.get(exc.code)
    body = {field: [exc.message]} if field else {"detail": exc.message, "code": exc.code}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


# --- OpenAPI descriptions -----------------------------------------------------------------------

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
                "code": ErrorCode.INVALID_TRANSITION,
            },
        ),
    ],
)
TICKET_ID = OpenApiParameter(
    "ticket_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The ticket ID, e.g. NS-2026-000001.",
)
REQUEST_FORMATS = ("application/json", "multipart/form-data")


def _both_formats(serializer: type[Serializer]) -> dict[str, type[Serializer]]:
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

    def allow_request(self, request: Request, view: APIView) -> bool:
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


# --- Reads --------------------------------------------------------------------------------------


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
    """The ticket with its team, product and public conversation, as the detail answer shows it."""
    return (
        Ticket.objects.select_related("product", "team")
        .prefetch_related(_public_messages())
        .get(pk=ticket_pk)
    )


def _message(message: Message) -> Message:
    """The message with its ticket's team and its files, as the message answer shows it."""
    return (
        Message.objects.select_related("ticket__team")
        .prefetch_related(_listed_files())
        .get(pk=message.pk)
    )
