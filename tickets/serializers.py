"""Input and output serializers of the tickets REST API (``tickets.apis``).

Input serializers validate what a client sends before a service sees it; output serializers
describe, field by field, what the API answers. Both feed the OpenAPI schema.

Times of a ticket are given in its support team's time zone with the UTC offset
(``2026-11-23T17:00:00-08:00``), like the due times of the entitlement check.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from entitlements.models import Category, Channel
from entitlements.serializers import CheckRequestSerializer, OffsetDateTimeField
from tickets.models import Attachment, Message, Resolution, Status
from tickets.validators import remote_id_clean

# --- Fields -------------------------------------------------------------------------------------


class _OptionalText(TypedDict):
    required: bool
    default: str
    allow_blank: bool


# An optional text of a request: it may be left out or sent empty, and is "" then.
OPTIONAL_TEXT: _OptionalText = {"required": False, "default": "", "allow_blank": True}


def _check_request_field(name: str) -> serializers.Field:
    """A new field like the entitlement check's field ``name`` (``CheckRequestSerializer``).

    A request is opened for the product, version, category and channel the check is asked about,
    so they are validated and described the same way.
    """
    return copy.deepcopy(CheckRequestSerializer._declared_fields[name])


class TeamTimeField(OffsetDateTimeField):
    """A datetime in ISO 8601 in the ticket team's time zone, always with its UTC offset.

    ``team`` is the dotted path from the serialized object to its team (``"team"`` for a ticket,
    ``"ticket.team"`` for a message).
    """

    def __init__(self, *, team: str = "team", **kwargs: Any) -> None:
        self.team_path = team.split(".")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> datetime | None:
        value = super().get_attribute(instance)
        if value is None:
            return None
        team = instance
        for part in self.team_path:
            team = getattr(team, part)
        return value.astimezone(ZoneInfo(team.time_zone))


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}})
class UploadsField(serializers.ListField):
    """Files sent as multipart ``files`` (repeat the part for several files)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.FileField())
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty", True)
        kwargs.setdefault(
            "help_text",
            "Attachments (multipart only; repeat the `files` part for several files). Allowed: "
            "logs, text, images, PDF and archives; size limits apply per file and per request.",
        )
        super().__init__(**kwargs)


# --- Attachments and messages -------------------------------------------------------------------


def attachment_download_url(attachment: Attachment) -> str:
    # The download view of the ticket pages (web session, access-checked there).
    return f"/tickets/{attachment.ticket_id_ref}/files/{attachment.pk}/"


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="File name as sent, made safe.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField(
        help_text="Path of the download, e.g. /tickets/NS-2026-000001/files/7/."
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, attachment: Attachment) -> str:
        return attachment_download_url(attachment)


PUBLIC_MESSAGE_KINDS = [kind for kind in Message.Kind.values if kind != Message.Kind.NOTE]


class MessageSerializer(serializers.Serializer):
    """One public message of the conversation (internal notes are never shown)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=PUBLIC_MESSAGE_KINDS,
        help_text="customer: written by the customer; engineer: support's answer; call: a phone "
        "call support made; system: an automatic message such as a reminder.",
    )
    via = serializers.ChoiceField(choices=Message.Via.choices)
    body = serializers.CharField()
    awaits_customer = serializers.BooleanField(help_text="Support waits for the customer's reply.")
    created_at = TeamTimeField(team="ticket.team")
    # Read from the list the API's queries prefetch (``listed_attachments``).
    attachments = AttachmentSerializer(many=True, source="listed_attachments")


# --- Tickets ------------------------------------------------------------------------------------


class TicketSerializer(serializers.Serializer):
    """A ticket as its customer sees it, without the conversation."""

    ticket_id = serializers.CharField(help_text="e.g. NS-2026-000001")
    subject = serializers.CharField()
    product = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    version = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    phone = serializers.CharField(allow_blank=True)
    remote_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices)
    status_name = serializers.CharField(source="get_status_display")
    resolution = serializers.ChoiceField(
        choices=[("", ""), *Resolution.choices], help_text="Empty unless closed."
    )
    entitlement = serializers.CharField(
        source="entitlement_kind", help_text="Kind code of the entitlement used, e.g. premium."
    )
    team = serializers.CharField(source="team.code", help_text="Support team code, e.g. us.")
    created_at = TeamTimeField()
    last_activity_at = TeamTimeField()
    first_response_due = TeamTimeField(
        allow_null=True, help_text="First-response target; null when the entitlement has none."
    )
    first_responded_at = TeamTimeField(allow_null=True)
    callback_due = TeamTimeField(allow_null=True, help_text="Call-back target of phone requests.")
    closed_at = TeamTimeField(allow_null=True)
    closure_proposed_at = TeamTimeField(
        allow_null=True,
        help_text="Support proposed to close the request unresolved; waits for the customer.",
    )


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its public conversation, oldest message first."""

    messages = MessageSerializer(many=True, source="public_messages")


class TicketPageSerializer(serializers.Serializer):
    """One page of the customer's tickets, most recent activity first."""

    count = serializers.IntegerField(help_text="Tickets in all pages.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TicketSerializer(many=True)


class TicketCreateSerializer(serializers.Serializer):
    product = _check_request_field("product")
    version = _check_request_field("version")
    category = _check_request_field("category")
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=20000, help_text="Passwords written here are masked before they are stored."
    )
    channel = _check_request_field("channel")
    phone = serializers.CharField(
        max_length=40,
        **OPTIONAL_TEXT,
        help_text="Required for channel phone, and for setup and restore requests served by Setup "
        "or Restore Support, whose session is arranged by a call (400 naming phone without it).",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        **OPTIONAL_TEXT,
        help_text="Language of the conversation; the account's language if not given.",
    )
    remote_id = serializers.CharField(
        max_length=40,
        **OPTIONAL_TEXT,
        help_text="Remote-assistance ID, for setup and restore requests only: a TeamViewer or "
        "AnyDesk ID of 9 or 10 digits (spaces between groups of three are allowed), an AnyDesk "
        "alias such as name@ad, or a 6-digit Windows Quick Assist code. Stored as digits without "
        "spaces; anything else, such as a password after the ID, is refused.",
    )
    files = UploadsField()

    def validate_remote_id(self, value: str) -> str:
        return remote_id_clean(value)


class CustomerMessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    files = UploadsField()


class ReopenSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=20000, help_text="Why the request is reopened: what happens again."
    )


# --- Staff --------------------------------------------------------------------------------------


class StaffReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    awaits_customer = serializers.BooleanField(
        default=False,
        help_text="The reply asks the customer something: the ticket waits and the reply counts "
        "as a contact attempt.",
    )
    files = UploadsField()


class CallAttemptCreateSerializer(serializers.Serializer):
    reached = serializers.BooleanField(
        help_text="The customer answered. An unanswered call counts as a contact attempt."
    )
    note = serializers.CharField(max_length=20000, **OPTIONAL_TEXT)


class StaffTicketStateSerializer(serializers.Serializer):
    """Where a ticket stands after a staff action, including its waiting period."""

    ticket_id = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    assignee = serializers.EmailField(source="assignee.email", allow_null=True)
    first_responded_at = TeamTimeField(allow_null=True)
    callback_done_at = TeamTimeField(allow_null=True)
    contact_attempts = serializers.IntegerField(
        help_text="Contact attempts since the customer last wrote."
    )
    first_attempt_at = TeamTimeField(allow_null=True)
    last_attempt_at = TeamTimeField(allow_null=True)
    next_action_at = TeamTimeField(
        allow_null=True, help_text="Next automatic step: a reminder or the automatic closure."
    )


class StaffActionResultSerializer(serializers.Serializer):
    message = MessageSerializer(help_text="The message the action added to the conversation.")
    ticket = StaffTicketStateSerializer()


# --- Errors -------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in the user's language.")
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid-transition, closed.")


class RefusalSerializer(serializers.Serializer):
    """The entitlement rules refuse the request: why, and what could be bought."""

    detail = serializers.CharField(help_text="The same text as reason.")
    reason = serializers.CharField(help_text="Why, in the user's language.")
    reason_code = serializers.CharField(help_text="e.g. no-entitlement, version-unsupported.")
    purchase_options = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of offerings that would allow it."
    )
    supported_until = serializers.DateField(
        allow_null=True, help_text="Last day of support of the version; null: no end known."
    )
