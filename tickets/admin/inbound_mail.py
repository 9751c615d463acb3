"""The mail quarantine in the admin: mails no ticket took, to add to one or dismiss."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.core.admin import ReadOnlyAdminMixin
from tickets import desk_actions, desk_forms, selectors
from tickets.models import InboundEmail

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
        "assigned_by",
        "assigned_at",
    )
    readonly_fields = fields
    actions = ["dismiss"]
    change_form_template = "admin/tickets/inboundemail/change_form.html"

    def has_dismiss_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def has_assign_permission(self, request: HttpRequest) -> bool:
        """Adding a mail to a ticket acts on the ticket: the desk's own permission."""
        return self.has_view_permission(request) and selectors.staff_may_triage(request.user)

    @admin.action(
        description=_("Dismiss the selected quarantined e-mails"), permissions=["dismiss"]
    )
    def dismiss(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        dismissed = desk_actions.inbound_emails_dismiss(mails=queryset)
        for mail in dismissed:
            self.log_change(request, mail, [{"changed": {"fields": ["state"]}}])
        count = len(dismissed)
        self.message_user(
            request,
            ngettext("%d e-mail dismissed.", "%d e-mails dismissed.", count) % count,
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/add-to-ticket/",
                self.admin_site.admin_view(self.assign_view),
                name="{}_{}_assign".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, mail: InboundEmail) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(
            "admin:{}_{}_change".format(*info),
            args=[quote(mail.pk)],
            current_app=self.admin_site.name,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        mail = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if (
            mail is not None
            and mail.state == InboundEmail.State.QUARANTINED
            and self.has_assign_permission(request)
        ):
            info = self.opts.app_label, self.opts.model_name
            context["assign_url"] = reverse(
                "admin:{}_{}_assign".format(*info),
                args=[quote(mail.pk)],
                current_app=self.admin_site.name,
            )
        return super().change_view(request, object_id, form_url, context)

    def assign_view(self, request: AuthenticatedHttpRequest, object_id: str) -> HttpResponse:
        """Add to ticket…: the mail's text and files become a message of the chosen ticket."""
        if not self.has_assign_permission(request):
            raise PermissionDenied
        mail = self.get_object(request, unquote(object_id))
        if mail is None:
            raise Http404
        if request.method == "POST":
            form = desk_forms.InboundAssignForm(request.POST)
            if form.is_valid() and desk_forms.inbound_assign_submit(request, mail=mail, form=form):
                self.log_change(
                    request, mail, [{"changed": {"fields": ["state", "ticket", "message"]}}]
                )
                return HttpResponseRedirect(self._change_url(mail))
        else:
            form = desk_forms.InboundAssignForm(
                initial={"ticket_id": mail.ticket.ticket_id if mail.ticket else ""}
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": mail,
            "form": form,
            "title": gettext("Add the e-mail to a ticket"),
            "change_url": self._change_url(mail),
        }
        return TemplateResponse(request, "admin/tickets/inboundemail/assign.html", context)
