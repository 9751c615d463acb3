"""The staff endpoints of the tickets API: answering a ticket and recording a phone call.

A staff endpoint needs the permission of the desk action it mirrors
(``tickets.selectors.staff_may_triage``): staff whose role has no ticket rights (Sales, Product
team) get 403 before the ticket is looked up, and an account that is not staff gets the 404 of an
unknown ticket, so nothing reveals which tickets exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from entitlements.serializers import DetailSerializer
from portal.core.errors import ApplicationError
from tickets import access, selectors, services
from tickets.apis.common import (
    REPLY_ERROR_FIELDS,
    TICKET_ID,
    VALIDATION_ERRORS,
    _both_formats,
    _error,
    _message,
)
from tickets.models import Message, Ticket
from tickets.serializers import (
    CallAttemptCreateSerializer,
    StaffActionResultSerializer,
    StaffReplyCreateSerializer,
)

if TYPE_CHECKING:
    from rest_framework.views import APIView

STAFF_NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="Unknown ticket, or the account is not staff (the answer is the same).",
)
STAFF_REFUSED = OpenApiResponse(
    DetailSerializer,
    description="Not signed in, or a staff role without ticket rights (Sales, Product team).",
)
STAFF_ACTION_RESPONSES = {
    201: StaffActionResultSerializer,
    400: VALIDATION_ERRORS,
    403: STAFF_REFUSED,
    404: STAFF_NOT_FOUND,
}


def _not_found() -> NotFound:
    # One answer for every ticket a caller may not see, whether it exists or not.
    return NotFound(access.NOT_FOUND)


class MayTriageElseNotFound(BasePermission):
    """Staff who may act on tickets, as in the desk.

    A signed-in account that is not staff gets the 404 of an unknown ticket; staff whose role
    gives no ticket rights get 403, decided before any ticket is looked up.
    """

    message = gettext_lazy("Your staff role does not allow acting on support requests.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.is_staff:
            raise _not_found()
        return selectors.staff_may_triage(user)


def _staff_action(
    request: Request,
    ticket_id: str,
    serializer_class: type[serializers.Serializer],
    action: Callable[..., Message],
    error_fields: dict[str, str],
) -> Response:
    """Run one staff action on the ticket with the validated request; answer with its message.

    The answer is the message the action added and where the ticket stands now.
    """
    ticket = access.staff_ticket(ticket_id=ticket_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        message = action(
            ticket=ticket, engineer=request.user, via=Message.Via.API, **serializer.validated_data
        )
    except ApplicationError as exc:
        return _error(exc, error_fields)
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
    responses=STAFF_ACTION_RESPONSES,
    tags=["staff"],
)
@api_view(["POST"])
@permission_classes([MayTriageElseNotFound])
def staff_reply_create(request: Request, ticket_id: str) -> Response:
    return _staff_action(
        request, ticket_id, StaffReplyCreateSerializer, services.ticket_reply, REPLY_ERROR_FIELDS
    )


@extend_schema(
    operation_id="staff_tickets_call_attempts_create",
    summary="Staff: record a phone call",
    description="Records a call to the customer, as in the admin. A call that did not reach "
    "the customer counts as a contact attempt and the ticket waits for them; a reached call "
    "opens it and completes a due call-back. Staff only: any other account gets the 404 of an "
    "unknown ticket.",
    parameters=[TICKET_ID],
    request=CallAttemptCreateSerializer,
    responses=STAFF_ACTION_RESPONSES,
    tags=["staff"],
)
@api_view(["POST"])
@permission_classes([MayTriageElseNotFound])
def staff_call_attempt_create(request: Request, ticket_id: str) -> Response:
    return _staff_action(
        request, ticket_id, CallAttemptCreateSerializer, services.ticket_log_call, {}
    )
