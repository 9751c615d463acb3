from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.core import services
from portal.core.models import OutboundEmail


class ReadOnlyAdminMixin:
    """For records the desk reads but never writes by hand: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ActionsOnlyAdminMixin:
    """For records the desk changes only through the list's actions (which decide, notify and
    keep the history): no add, no delete, and a record's own page only shows it."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # "change" allows the list's actions; a single record's page only shows it.
        return obj is None and super().has_change_permission(request)  # type: ignore[misc]


# Shown through the methods below, which say when a removed body went.
BODY_FIELDS = ("body_text", "body_html")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "subject", "tag", "status", "attempts", "sent_at")
    list_filter = ("status", "tag", "language")
    search_fields = ("to", "subject", "provider_message_id")
    date_hierarchy = "created_at"
    exclude = ("attachments", *BODY_FIELDS)
    readonly_fields = [
        *(
            field.name
            for field in OutboundEmail._meta.fields
            if field.name not in ("attachments", *BODY_FIELDS)
        ),
        "text_body",
        "html_body",
        "attachment_names",
    ]
    actions = ["retry_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False

    @admin.display(description=_("text body"))
    def text_body(self, obj: OutboundEmail) -> str:
        return self._body_removed(obj) or obj.body_text or "-"

    @admin.display(description=_("HTML body"))
    def html_body(self, obj: OutboundEmail) -> str:
        return self._body_removed(obj) or obj.body_html or "-"

    @staticmethod
    def _body_removed(obj: OutboundEmail) -> str:
        """Say when the body went (it carried live links), instead of showing a blank."""
        if obj.body_redacted_at is None:
            return ""
        since = obj.sent_at or obj.next_attempt_at
        days = max((obj.body_redacted_at - since).days, 0)
        removed_on = formats.date_format(timezone.localtime(obj.body_redacted_at), "DATE_FORMAT")
        return ngettext(
            "Removed on %(date)s, %(days)d day after the last attempt to send it.",
            "Removed on %(date)s, %(days)d days after the last attempt to send it.",
            days,
        ) % {"days": days, "date": removed_on}

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj: OutboundEmail) -> str:
        return ", ".join(item["filename"] for item in obj.attachments) or "-"

    @admin.action(description=_("Try failed e-mails again"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        count = services.email_retry_failed(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d e-mail queued again.", "%d e-mails queued again.", count) % count,
            messages.SUCCESS,
        )
