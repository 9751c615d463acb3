from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.core import services
from portal.core.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "subject", "tag", "status", "attempts", "sent_at")
    list_filter = ("status", "tag", "language")
    search_fields = ("to", "subject", "provider_message_id")
    date_hierarchy = "created_at"
    exclude = ("attachments",)
    readonly_fields = [
        *(field.name for field in OutboundEmail._meta.fields if field.name != "attachments"),
        "attachment_names",
    ]
    actions = ["retry_failed"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj: OutboundEmail) -> str:
        return ", ".join(item["filename"] for item in obj.attachments) or "-"

    @admin.action(description=_("Try failed e-mails again"))
    def retry_failed(self, request, queryset):
        count = services.email_retry_failed(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d e-mail queued again.", "%d e-mails queued again.", count) % count,
            messages.SUCCESS,
        )
