"""A minimal, read-only support desk: the queue, one ticket's history, and the mail quarantine.

Every change of a ticket goes through ``tickets.services``; a triage admin that calls them
comes later. The quarantine only lets staff dismiss mail they have dealt with.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import services
from tickets.models import EngineerProfile, InboundEmail, Message, Ticket, TicketEvent


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "audience", "kind", "author", "via", "body", "files")
    readonly_fields = fields
    verbose_name_plural = _("conversation (internal notes included)")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("author").prefetch_related("attachments")
        )

    @admin.display(description=_("seen by"))
    def audience(self, obj: Message) -> str:
        if obj.kind == Message.Kind.NOTE:
            return format_html(
                '<strong class="internal-note" style="color:#ba2121">{}</strong>',
                _("INTERNAL NOTE: support only"),
            )
        return _("customer and support")

    @admin.display(description=_("files"))
    def files(self, obj: Message) -> str:
        return ", ".join(attachment.name for attachment in obj.attachments.all()) or "-"


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "detail")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "ticket_id",
        "subject",
        "customer",
        "product",
        "version",
        "entitlement_kind",
        "team",
        "assignee",
        "status",
        "first_response_due",
        "last_activity_at",
    )
    list_display_links = ("ticket_id", "subject")
    list_select_related = ("customer", "product", "team", "assignee")
    list_filter = ("status", "team", "product", "entitlement_kind", "category")
    search_fields = ("ticket_id", "subject", "customer__email")
    # The queue's priority order: the earliest first-response target first.
    ordering = (F("first_response_due").asc(nulls_last=True), "created_at")
    list_per_page = 50
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {"fields": ("ticket_id", "subject", "customer", "status", "resolution", "assignee")},
        ),
        (
            _("Request"),
            {
                "fields": (
                    "product",
                    "version",
                    "category",
                    "channel",
                    "language",
                    "phone",
                    "remote_id",
                    "team",
                    "entitlement",
                    "entitlement_kind",
                )
            },
        ),
        (
            _("Dates"),
            {
                "fields": (
                    "created_at",
                    "first_response_due",
                    "first_responded_at",
                    "callback_due",
                    "callback_done_at",
                    "last_activity_at",
                    "closure_proposed_at",
                    "closed_at",
                )
            },
        ),
        (
            _("Waiting for the customer"),
            {
                "fields": (
                    "contact_attempts",
                    "first_attempt_at",
                    "last_attempt_at",
                    "next_action_at",
                )
            },
        ),
    )
    readonly_fields = [name for (_title, options) in fieldsets for name in options["fields"]]
    inlines = (MessageInline, TicketEventInline)
    actions = ["revoke_links"]

    @admin.action(description=_("Revoke the customer's private links"), permissions=["view"])
    def revoke_links(self, request, queryset):
        count = 0
        for ticket in queryset:
            count += services.ticket_revoke_links(
                ticket=ticket, staff=request.user, reason=f"revoked by {request.user}"
            )
        self.message_user(
            request,
            ngettext("%d link revoked.", "%d links revoked.", count) % count,
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("customer", "product", "team", "assignee", "entitlement")
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "state", "sender", "recipient", "subject", "ticket", "reason")
    list_filter = ("state",)
    search_fields = ("sender", "subject")
    list_select_related = ("ticket",)
    ordering = ("-received_at",)
    show_full_result_count = False
    fields = (
        "received_at",
        "state",
        "reason",
        "sender",
        "recipient",
        "subject",
        "body",
        "attachment_names",
        "ticket",
        "message",
    )
    readonly_fields = fields
    actions = ["dismiss"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_dismiss_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(
        description=_("Dismiss the selected quarantined e-mails"), permissions=["dismiss"]
    )
    def dismiss(self, request, queryset):
        quarantined = list(queryset.filter(state=InboundEmail.State.QUARANTINED))
        InboundEmail.objects.filter(pk__in=[mail.pk for mail in quarantined]).update(
            state=InboundEmail.State.DISMISSED
        )
        for mail in quarantined:
            self.log_change(request, mail, [{"changed": {"fields": ["state"]}}])
        count = len(quarantined)
        self.message_user(
            request,
            ngettext("%d e-mail dismissed.", "%d e-mails dismissed.", count) % count,
            messages.SUCCESS,
        )


@admin.register(EngineerProfile)
class EngineerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "takes_new_tickets")
    list_filter = ("team", "takes_new_tickets")
    list_select_related = ("user", "team")
    search_fields = ("user__email", "user__name")
    fields = ("user", "team", "products", "takes_new_tickets")
    filter_horizontal = ("products",)
