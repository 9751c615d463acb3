"""The support desk in the admin: the triage queue and one ticket's page.

Nobody edits a ticket's fields here. Every change goes through ``tickets.services``: from the
queue's actions, or from the forms on a ticket's page, which post to admin URLs of their own
(``<id>/desk/<step>/``) that call one service and come back to the page with a message.
Seeing the desk needs the ``view`` permission of tickets; changing anything ("triage") needs
``change``. Both pages read in a fixed number of queries, whatever the page size or the length
of a conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.db.models.expressions import Combinable
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.core.admin import ReadOnlyAdminMixin
from portal.core.transactions import atomic_writes
from tickets import (
    access,
    admin_forms,
    desk_exports,
    desk_forms,
    desk_macros,
    desk_search,
    desk_selectors,
    selectors,
)
from tickets.admin.actions import TriageActions
from tickets.admin.columns import PageFields, QueueColumns
from tickets.admin.queue import (
    EVERYONE,
    MY_QUEUE,
    UNCLOSED,
    AssignedFilter,
    AttemptsFilter,
    DueFilter,
    EscalatedFilter,
    QueueChangeList,
    SolvedByFilter,
    StatusFilter,
    SupportKindFilter,
)
from tickets.models import Attachment, Ticket

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, QueueColumns, PageFields, TriageActions, admin.ModelAdmin):
    # What decides the next step comes first (status, priority, due), so it stays in view
    # on narrower screens; the rest of the row follows.
    list_display = (
        "ticket_id",
        "subject",
        "status_column",
        "due_column",
        "customer_column",
        "product_version",
        "support_kind",
        "team_column",
        "assignee_column",
        "last_activity",
    )
    list_display_links = ("ticket_id", "subject")
    list_select_related = ("customer", "product", "team", "assignee")
    list_filter = (
        StatusFilter,
        AssignedFilter,
        DueFilter,
        EscalatedFilter,
        AttemptsFilter,
        "team",
        "product",
        SupportKindFilter,
        "category",
        SolvedByFilter,
    )
    search_fields = (
        "ticket_id",
        "subject",
        "customer__email",
        "=entitlement__order_item__order__reference",
    )
    search_help_text = _(
        "Ticket ID, subject, customer e-mail, order reference or words of its messages."
    )
    list_per_page = 50
    show_full_result_count = False
    action_form = admin_forms.TriageActionForm
    actions = [
        "take",
        "assign",
        "log_call_attempt",
        "change_priority",
        "resolve",
        "propose_closure",
        "cancel_as_mistake",
        "revoke_links",
    ]
    change_list_template = "admin/tickets/ticket/change_list.html"
    change_form_template = "admin/tickets/ticket/change_form.html"
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
                    "entitlement_link",
                    "entitlement_kind",
                    "priority",
                    "solved_by_link",
                )
            },
        ),
        (
            _("Dates"),
            {
                "classes": ["collapse"],
                "fields": (
                    "created_at",
                    "first_response_due",
                    "first_responded_at",
                    "callback_due",
                    "callback_done_at",
                    "last_activity_at",
                    "closure_proposed_at",
                    "closed_at",
                ),
            },
        ),
        (
            _("Waiting for the customer"),
            {
                "classes": ["collapse"],
                "fields": (
                    "contact_attempts",
                    "first_attempt_at",
                    "last_attempt_at",
                    "next_action_at",
                ),
            },
        ),
    )
    readonly_fields = [name for (_title, options) in fieldsets for name in options["fields"]]

    class Media:
        css = {"all": ("css/desk.css",)}

    # --- Permissions: read-only for Django, changes only through the services ---------------

    def has_triage_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        """Acting on tickets (the actions, the forms of a ticket's page): ``change_ticket``."""
        return selectors.staff_may_triage(request.user)

    # --- The queue ----------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return (
            super().get_queryset(request).select_related("customer", "product", "team", "assignee")
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        """The tickets found by their fields, and those whose messages contain the words."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return found, may_have_duplicates
        return found | desk_search.with_matching_messages(
            queryset, search_term
        ), may_have_duplicates

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def get_ordering(self, request: HttpRequest) -> list[str | Combinable]:
        # The queue's order: a raised priority first, then the earliest first-response due.
        return list(Ticket.objects.by_due().query.order_by)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if (
            request.method == "GET"
            and not request.GET
            and self.has_view_permission(request)
            and desk_selectors.is_engineer(user=request.user)
        ):
            # An engineer's queue opens on their own open requests; any filter shows more.
            return HttpResponseRedirect(f"{request.path}?{urlencode(MY_QUEUE)}")
        context = {
            "title": _("Support queue"),
            "triage_views": self._queue_views(request),
            "export_url": self._export_url(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def _queue_views(self, request: HttpRequest) -> list[dict]:
        views = [
            (_("My open requests"), MY_QUEUE),
            (_("Unassigned"), {"assigned": "none", "status__exact": UNCLOSED}),
            (_("Overdue"), {"assigned": EVERYONE, "due": "overdue"}),
            (_("All requests"), {"assigned": EVERYONE}),
        ]
        current = dict(request.GET.items())
        return [
            {"label": label, "url": f"?{urlencode(params)}", "selected": current == params}
            for label, params in views
        ]

    def _export_url(self, request: HttpRequest) -> str:
        """The queue's CSV download, with the filters, search and order on screen."""
        info = self.opts.app_label, self.opts.model_name
        url = reverse("admin:{}_{}_export".format(*info), current_app=self.admin_site.name)
        return f"{url}?{request.GET.urlencode()}" if request.GET else url

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The queue's rows as CSV, for staff who may see the queue."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest()
        return desk_exports.queue_csv_response(changelist.queryset)

    # --- The ticket page ----------------------------------------------------------------------

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Ticket | None:
        queryset = self.get_queryset(request).select_related(
            "entitlement__product", "entitlement__offering", "follows", "solved_by"
        )
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Ticket.DoesNotExist, ValidationError, ValueError):
            return None

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Ticket | None = None,
    ) -> HttpResponse:
        if change and obj is not None:
            context.update(
                title=gettext("Request %(id)s") % {"id": obj.ticket_id},
                subtitle=obj.subject,
                triage=self._desk_context(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _desk_context(self, request: HttpRequest, ticket: Ticket) -> dict:
        """Everything the ticket page shows, its links keeping the queue's filters."""
        links = desk_selectors.PageLinks(
            ticket=lambda other: self._ticket_url(request, other),
            attachment=lambda attachment: self._attachment_url(ticket, attachment),
            customer=self._admin_url("accounts_user_change", ticket.customer_id),
        )
        page = desk_selectors.ticket_page(ticket=ticket, user=request.user, links=links)
        can_triage = self.has_triage_permission(request, ticket)
        draft = desk_forms.draft_take(request, ticket=ticket)
        return {
            **page,
            "can_triage": can_triage,
            "forms": desk_forms.ticket_page_forms(
                ticket=ticket, can_triage=can_triage, draft=draft
            ),
            "drafted": draft.get("form", ""),
            "macros": desk_macros.macro_picker(
                ticket=ticket,
                user=request.user,
                can_triage=can_triage,
                query=request.GET,
                draft=draft,
            ),
            "urls": {
                step.replace("-", "_"): self._desk_url(request, ticket, step)
                for step in desk_forms.DESK_STEPS
            },
        }

    def _admin_url(self, name: str, pk: int) -> str:
        try:
            return reverse(f"admin:{name}", args=[quote(pk)], current_app=self.admin_site.name)
        except NoReverseMatch:
            return ""

    def _with_filters(self, request: HttpRequest, url: str) -> str:
        """``url`` with the queue filters the page was opened from (for the way back)."""
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _ticket_url(self, request: HttpRequest, ticket: Ticket) -> str:
        info = self.opts.app_label, self.opts.model_name
        url = reverse(
            "admin:{}_{}_change".format(*info),
            args=[quote(ticket.pk)],
            current_app=self.admin_site.name,
        )
        return self._with_filters(request, url)

    def _desk_url(self, request: HttpRequest, ticket: Ticket, step: str) -> str:
        info = self.opts.app_label, self.opts.model_name
        url = reverse(
            "admin:{}_{}_desk".format(*info),
            args=[quote(ticket.pk), step],
            current_app=self.admin_site.name,
        )
        return self._with_filters(request, url)

    def _attachment_url(self, ticket: Ticket, attachment: Attachment) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(
            "admin:{}_{}_attachment".format(*info),
            args=[quote(ticket.pk), attachment.pk],
            current_app=self.admin_site.name,
        )

    # --- The ticket page's own URLs -----------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "export.csv",
                atomic_writes(view(self.export_view)),
                name="{}_{}_export".format(*info),
            ),
            path(
                "<path:object_id>/desk/attachments/<int:attachment_id>/",
                view(self.attachment_view),
                name="{}_{}_attachment".format(*info),
            ),
            path(
                "<path:object_id>/desk/<slug:step>/",
                view(self.desk_view),
                name="{}_{}_desk".format(*info),
            ),
            *(self._reads_without_transaction(pattern) for pattern in super().get_urls()),
        ]

    def _reads_without_transaction(self, pattern: URLPattern) -> URLPattern:
        """The queue and a ticket's page read in autocommit; their POSTs stay one transaction."""
        info = self.opts.app_label, self.opts.model_name
        if pattern.name in ("{}_{}_changelist".format(*info), "{}_{}_change".format(*info)):
            pattern.callback = atomic_writes(pattern.callback)
        return pattern

    def attachment_view(
        self, request: HttpRequest, object_id: str, attachment_id: int
    ) -> HttpResponseBase:
        """Any file of the ticket, internal notes' included, for staff who may see tickets."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404
        return access.staff_attachment_response(ticket=ticket, attachment_id=attachment_id)

    def desk_view(
        self, request: AuthenticatedHttpRequest, object_id: str, step: str
    ) -> HttpResponse:
        """One form of the ticket page: call its service, come back with a message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_triage_permission(request):
            raise PermissionDenied
        desk_step = desk_forms.DESK_STEPS.get(step)
        ticket = self.get_object(request, unquote(object_id))
        if desk_step is None or ticket is None:
            raise Http404
        desk_forms.step_submit(request, ticket=ticket, desk_step=desk_step)
        # Back to the top of the page, where the message and the new status show.
        return HttpResponseRedirect(self._ticket_url(request, ticket))
