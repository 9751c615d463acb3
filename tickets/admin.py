"""The support desk in the admin: the triage queue, one ticket's page, the mail quarantine.

Nobody edits a ticket's fields here. Every change goes through ``tickets.services``: from the
queue's actions, or from the forms on a ticket's page, which post to admin URLs of their own
(``<id>/desk/<step>/``) that call one service and come back to the page with a message.
Seeing the desk needs the ``view`` permission of tickets; changing anything ("triage") needs
``change``. Both pages read in a fixed number of queries, whatever the page size or the length
of a conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from entitlements import selectors as entitlement_selectors
from entitlements.models import SupportKind
from portal.core.errors import ApplicationError
from portal.core.transactions import atomic_writes
from tickets import admin_forms, inbound, selectors, services
from tickets.models import (
    Attachment,
    EngineerProfile,
    InboundEmail,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

DUE_SOON = timedelta(hours=1)
# The admin's own label of a row's checkbox, translated by the admin's catalog.
ADMIN_CHECKBOX_LABEL = "Select this object for an action - {}"
OPEN_STATES = (Status.NEW, Status.OPEN, Status.WAITING)
UNCLOSED = "unclosed"
EVERYONE = "all"
# Where an engineer's queue opens: their own requests that are not closed.
MY_QUEUE = {"assigned": "me", "status__exact": UNCLOSED}
ENTITLEMENT_STATES = {
    "active": _("active"),
    "expired": _("expired"),
    "used": _("used up"),
    "revoked": _("revoked"),
    "upcoming": _("not started yet"),
}
# The statuses as support says them (the model's labels are worded for the customer).
STAFF_STATUS = {
    Status.NEW: _("new"),
    Status.OPEN: _("open"),
    Status.WAITING: _("waiting on customer"),
    Status.CLOSED: _("closed"),
}


def staff_status(status: str) -> str:
    return str(STAFF_STATUS.get(status, status or "-"))


def support_kind_label(code: str) -> str:
    try:
        return str(SupportKind(code).label)
    except ValueError:
        return code or "-"


def short_time(value: datetime) -> str:
    """A compact date and time for the queue's columns, e.g. "Nov 23, 17:00".

    The same text as the date format "M j, H:i", built directly: the queue shows two per row.
    """
    local = timezone.localtime(value)
    return f"{MONTHS_3[local.month].title()} {local.day}, {local:%H:%M}"


class QueueChangeList(ChangeList):
    """The queue's rows, each linking to its ticket's page with the queue's filters.

    The admin adds the filters to every row's links with ``add_preserved_filters``, which
    resolves the link's URL again for each of them (two links per row). The rows' addresses
    are built here from one reversed address, with the same query string.
    """

    PK_PLACEHOLDER = "0"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.row_filters = self.preserved_filters
        # With no filters left to add, the admin passes each row's address through unchanged.
        self.preserved_filters = ""
        prefix, _pk, suffix = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[self.PK_PLACEHOLDER],
            current_app=self.model_admin.admin_site.name,
        ).rpartition(f"/{self.PK_PLACEHOLDER}/")
        self.change_prefix = f"{prefix}/"
        self.change_suffix = f"/{suffix}" + (f"?{self.row_filters}" if self.row_filters else "")

    def url_for_result(self, result) -> str:
        return f"{self.change_prefix}{quote(getattr(result, self.pk_attname))}{self.change_suffix}"


# --- Service targets --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A service target (first response, call-back) and where it stands at ``now``."""

    due: datetime | None
    done_at: datetime | None
    state: str  # none, pending, soon, overdue, met, missed, dropped
    now: datetime

    LABELS = {
        "none": _("no target"),
        "pending": _("due"),
        "soon": _("Due soon"),
        "overdue": _("Overdue"),
        "met": _("Met"),
        "missed": _("Missed"),
        "dropped": _("closed without a response"),
    }

    @classmethod
    def of(cls, due, done_at, *, closed: bool, now: datetime) -> Target:
        if due is None:
            state = "none"
        elif done_at is not None:
            state = "met" if done_at <= due else "missed"
        elif closed:
            state = "dropped"
        elif due <= now:
            state = "overdue"
        elif due <= now + DUE_SOON:
            state = "soon"
        else:
            state = "pending"
        return cls(due=due, done_at=done_at, state=state, now=now)

    @property
    def label(self) -> str:
        return str(self.LABELS[self.state])

    @property
    def relative(self) -> str:
        """How far off the due time is, in words: "in 40 minutes", "2 hours ago"."""
        if self.due is None:
            return ""
        if self.due > self.now:
            return gettext("in %(time)s") % {"time": timeuntil(self.due, self.now, depth=1)}
        return gettext("%(time)s ago") % {"time": timesince(self.due, self.now, depth=1)}

    @property
    def is_alert(self) -> bool:
        return self.state in ("overdue", "soon", "missed")


def first_response_target(ticket: Ticket, now: datetime) -> Target:
    return Target.of(
        ticket.first_response_due,
        ticket.first_responded_at,
        closed=ticket.status == Status.CLOSED,
        now=now,
    )


def callback_target(ticket: Ticket, now: datetime) -> Target:
    return Target.of(
        ticket.callback_due,
        ticket.callback_done_at,
        closed=ticket.status == Status.CLOSED,
        now=now,
    )


def awaiting_first_response(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.filter(
        first_response_due__isnull=False, first_responded_at__isnull=True
    ).exclude(status=Status.CLOSED)


# --- Queue filters ----------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    # The parameter of Django's own status filter, so bookmarked queue addresses keep working.
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [(UNCLOSED, _("not closed")), *STAFF_STATUS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if value == UNCLOSED:
            return queryset.exclude(status=Status.CLOSED)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    """Assigned to me, to nobody, or to anyone.

    "All" carries a parameter of its own (``assigned=all``), so choosing it never leaves the
    address without a query string, which is what sends an engineer to their own queue.
    """

    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [(EVERYONE, _("All")), ("me", _("me")), ("none", _("nobody (unassigned)"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset

    def choices(self, changelist):
        choices = super().choices(changelist)
        next(choices)  # Django's "All" (no parameter): the "all" lookup stands for it.
        for index, choice in enumerate(choices):
            if index == 0:
                choice["selected"] = self.value() in (None, EVERYONE)
            yield choice


class DueFilter(admin.SimpleListFilter):
    title = _("first response")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("soon", _("due within an hour"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return awaiting_first_response(queryset).filter(first_response_due__lte=now)
        if self.value() == "soon":
            return awaiting_first_response(queryset).filter(
                first_response_due__gt=now, first_response_due__lte=now + DUE_SOON
            )
        return queryset


class AttemptsFilter(admin.SimpleListFilter):
    title = _("waiting on customer")
    parameter_name = "attempts"

    def lookups(self, request, model_admin):
        last = settings.TICKET_CONTACT_ATTEMPTS
        choices = []
        for count in range(1, last + 1):
            label = ngettext(
                "after %(count)d contact attempt", "after %(count)d contact attempts", count
            ) % {"count": count}
            if count == last:
                label = gettext("after %(count)d or more contact attempts") % {"count": count}
            choices.append((str(count), label))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        count = int(value)
        waiting = queryset.filter(status=Status.WAITING)
        if count >= settings.TICKET_CONTACT_ATTEMPTS:
            return waiting.filter(contact_attempts__gte=count)
        return waiting.filter(contact_attempts=count)


class SupportKindFilter(admin.SimpleListFilter):
    title = _("support kind")
    parameter_name = "entitlement_kind"

    def lookups(self, request, model_admin):
        return SupportKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(entitlement_kind=self.value())
        return queryset


class SolvedByFilter(admin.SimpleListFilter):
    title = _("solved by article")
    parameter_name = "solved_by"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(solved_by__isnull=self.value() == "no")
        return queryset


# --- The ticket page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the conversation as the desk shows it."""

    message: Message
    label: str
    files: list[dict]

    LABELS = {
        Message.Kind.CUSTOMER: _("Customer"),
        Message.Kind.ENGINEER: _("Support"),
        Message.Kind.NOTE: _("Internal note"),
        Message.Kind.CALL: _("Phone call"),
        Message.Kind.SYSTEM: _("Automatic message"),
    }

    @property
    def kind(self) -> str:
        return self.message.kind

    @property
    def internal(self) -> bool:
        return self.message.kind == Message.Kind.NOTE


@dataclass(frozen=True)
class DeskStep:
    """A form of the ticket page: its form class (None: a button) and the method that acts."""

    form: type[admin_forms.DeskForm] | None
    run: str


DESK_STEPS = {
    "take": DeskStep(None, "_step_take"),
    "resolve": DeskStep(admin_forms.ResolveForm, "_step_resolve"),
    "reply": DeskStep(admin_forms.ReplyForm, "_step_reply"),
    "note": DeskStep(admin_forms.NoteForm, "_step_note"),
    "call": DeskStep(admin_forms.CallForm, "_step_call"),
    "assign": DeskStep(admin_forms.AssignForm, "_step_assign"),
    "priority": DeskStep(admin_forms.PriorityForm, "_step_priority"),
    "propose-closure": DeskStep(admin_forms.ProposeClosureForm, "_step_propose_closure"),
    "solved-by": DeskStep(admin_forms.SolvedByForm, "_step_solved_by"),
}


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
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
    search_help_text = _("Ticket ID, subject, customer e-mail or order reference.")
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_triage_permission(self, request, obj=None) -> bool:
        """Acting on tickets (the actions, the forms of a ticket's page): ``change_ticket``."""
        return selectors.staff_may_triage(request.user)

    # --- The queue ----------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("customer", "product", "team", "assignee")
        )

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def action_checkbox(self, obj):
        # The admin's own checkbox, written directly instead of a widget template per row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext(ADMIN_CHECKBOX_LABEL), str(obj)),
        )

    def get_ordering(self, request):
        # The queue's order: a raised priority first, then the earliest first-response due.
        return list(Ticket.objects.by_due().query.order_by)

    def changelist_view(self, request, extra_context=None):
        if (
            request.method == "GET"
            and not request.GET
            and self.has_view_permission(request)
            and EngineerProfile.objects.filter(user=request.user).exists()
        ):
            # An engineer's queue opens on their own open requests; any filter shows more.
            return HttpResponseRedirect(f"{request.path}?{urlencode(MY_QUEUE)}")
        context = {
            "title": _("Support queue"),
            "triage_views": self._queue_views(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def _queue_views(self, request) -> list[dict]:
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

    @admin.display(description=_("customer"), ordering="customer__email")
    def customer_column(self, obj: Ticket):
        # The e-mail identifies the customer (and is searched); the name shows on hovering.
        local, _at, domain = obj.customer.email.partition("@")
        return format_html(
            '<span title="{}">{}<wbr>@{}</span>', obj.customer.name or "", local, domain
        )

    @admin.display(description=_("product / version"), ordering="product__sort_order")
    def product_version(self, obj: Ticket) -> str:
        # Every product is "NovaBACKUP …": the queue shows what tells them apart.
        return f"{obj.product.name.removeprefix('NovaBACKUP ')} {obj.version}"

    @admin.display(description=_("team"), ordering="team__code")
    def team_column(self, obj: Ticket):
        return format_html('<abbr title="{}">{}</abbr>', obj.team.name, obj.team.code.upper())

    @admin.display(description=_("support kind"), ordering="entitlement_kind")
    def support_kind(self, obj: Ticket) -> str:
        return support_kind_label(obj.entitlement_kind)

    @admin.display(description=_("assigned to"), ordering="assignee__name")
    def assignee_column(self, obj: Ticket):
        if obj.assignee is None:
            return format_html('<span class="triage-muted">{}</span>', _("unassigned"))
        return str(obj.assignee)

    @admin.display(description=_("status / priority"), ordering="status")
    def status_column(self, obj: Ticket):
        notes = []
        if obj.status == Status.WAITING:
            notes.append(
                ngettext("%(count)d attempt", "%(count)d attempts", obj.contact_attempts)
                % {"count": obj.contact_attempts}
            )
            if obj.closure_proposed_at:
                notes.append(gettext("closure proposed"))
        elif obj.status == Status.CLOSED and obj.resolution:
            notes.append(obj.get_resolution_display())
        priority = ""
        if obj.priority != Priority.NORMAL:
            # Only a priority other than normal is shown: it is what puts a request first.
            priority = format_html(
                ' <span class="triage-priority triage-priority--{}">{}</span>',
                obj.priority,
                obj.get_priority_display(),
            )
        return format_html(
            '<span class="triage-status triage-status--{}">{}</span>{}{}',
            obj.status,
            staff_status(obj.status),
            priority,
            format_html('<br><span class="triage-muted">{}</span>', ", ".join(notes))
            if notes
            else "",
        )

    @admin.display(
        description=_("first response due"), ordering=Ticket.objects.by_due().query.order_by[1]
    )
    def due_column(self, obj: Ticket):
        target = first_response_target(obj, timezone.now())
        if target.due is None:
            return "-"
        when = format_html(
            '<time datetime="{}">{}</time>', target.due.isoformat(), short_time(target.due)
        )
        if target.state in ("overdue", "soon"):
            return format_html(
                '<span class="triage-due triage-due--{}"><strong>{}</strong> {}<br>{}</span>',
                target.state,
                target.label,
                target.relative,
                when,
            )
        if target.state in ("met", "missed"):
            return format_html(
                '<span class="triage-due triage-due--{}">{}<br>{}</span>',
                target.state,
                gettext("answered") if target.state == "met" else gettext("answered late"),
                when,
            )
        return format_html('<span class="triage-due triage-due--{}">{}</span>', target.state, when)

    @admin.display(description=_("last activity"), ordering="last_activity_at")
    def last_activity(self, obj: Ticket):
        return format_html(
            '<time datetime="{}">{}</time>',
            obj.last_activity_at.isoformat(),
            short_time(obj.last_activity_at),
        )

    # --- Actions ------------------------------------------------------------------------------

    def _action_input(self, request) -> dict:
        """The valid fields of the action bar (engineer, priority, explanation)."""
        form = self.action_form(request.POST, auto_id=None)
        form.fields["action"].choices = self.get_action_choices(request)
        form.is_valid()
        return form.cleaned_data

    def _each(self, request, queryset, done: str, change: Callable[[Ticket], object]) -> None:
        """Call the service for every selected ticket; report each refusal by its ticket ID."""
        changed = []
        for ticket in queryset:
            try:
                change(ticket)
            except ApplicationError as error:
                self.message_user(request, f"{ticket.ticket_id}: {error.message}", messages.ERROR)
            else:
                changed.append(ticket.ticket_id)
        if changed:
            shown = ", ".join(changed[:20])
            if len(changed) > 20:
                shown += " " + gettext("and %(count)d more") % {"count": len(changed) - 20}
            self.message_user(request, f"{done}: {shown}.", messages.SUCCESS)

    @admin.action(
        description=_("Take the selected requests (assign to me)"), permissions=["triage"]
    )
    def take(self, request, queryset):
        self._each(
            request,
            queryset,
            gettext("Taken"),
            lambda ticket: services.ticket_take(ticket=ticket, engineer=request.user),
        )

    @admin.action(description=_("Assign to the engineer chosen…"), permissions=["triage"])
    def assign(self, request, queryset):
        engineer = self._action_input(request).get("engineer")
        if engineer is None:
            self.message_user(
                request, gettext("Choose the engineer to assign the requests to."), messages.ERROR
            )
            return
        self._each(
            request,
            queryset,
            gettext("Assigned to %(name)s") % {"name": engineer},
            lambda ticket: services.ticket_assign(
                ticket=ticket, engineer=engineer, actor=request.user
            ),
        )

    @admin.action(
        description=_("Log a call attempt (customer not reached)"), permissions=["triage"]
    )
    def log_call_attempt(self, request, queryset):
        self._each(
            request,
            queryset,
            gettext("Call attempt logged"),
            lambda ticket: services.ticket_log_call(
                ticket=ticket, engineer=request.user, reached=False
            ),
        )

    @admin.action(description=_("Change the priority to the one chosen…"), permissions=["triage"])
    def change_priority(self, request, queryset):
        priority = self._action_input(request).get("priority")
        if priority is None:
            self.message_user(request, gettext("Choose the new priority."), messages.ERROR)
            return
        self._each(
            request,
            queryset,
            gettext("Priority set to %(priority)s") % {"priority": Priority(priority).label},
            lambda ticket: services.ticket_set_priority(
                ticket=ticket, priority=priority, actor=request.user
            ),
        )

    @admin.action(description=_("Close as resolved"), permissions=["triage"])
    def resolve(self, request, queryset):
        self._each(
            request,
            queryset,
            gettext("Closed as resolved"),
            lambda ticket: services.ticket_resolve(ticket=ticket, engineer=request.user),
        )

    @admin.action(
        description=_("Propose closing unresolved (explanation required)"),
        permissions=["triage"],
    )
    def propose_closure(self, request, queryset):
        explanation = (self._action_input(request).get("explanation") or "").strip()
        if not explanation:
            self.message_user(
                request,
                gettext("Write the explanation the customer gets, then propose the closure."),
                messages.ERROR,
            )
            return
        self._each(
            request,
            queryset,
            gettext("Closure proposed"),
            lambda ticket: services.ticket_propose_unresolved_closure(
                ticket=ticket, engineer=request.user, explanation=explanation
            ),
        )

    @admin.action(
        description=_("Cancel as opened by mistake, giving back the credit (reason required)"),
        permissions=["triage"],
    )
    def cancel_as_mistake(self, request, queryset):
        reason = (self._action_input(request).get("explanation") or "").strip()
        if not reason:
            self.message_user(
                request,
                gettext("Write why the request is cancelled in the explanation field."),
                messages.ERROR,
            )
            return
        self._each(
            request,
            queryset,
            gettext("Cancelled, credit given back"),
            lambda ticket: services.ticket_cancel_as_mistake(
                ticket=ticket, staff=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Revoke the customer's private links"), permissions=["triage"])
    def revoke_links(self, request, queryset):
        count = 0
        for ticket in queryset:
            try:
                count += services.ticket_revoke_links(
                    ticket=ticket, staff=request.user, reason=f"revoked by {request.user}"
                )
            except ApplicationError as error:
                self.message_user(request, f"{ticket.ticket_id}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%d link revoked.", "%d links revoked.", count) % count,
            messages.SUCCESS,
        )

    # --- The ticket page ----------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).select_related(
            "entitlement__product", "entitlement__offering", "follows", "solved_by"
        )
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Ticket.DoesNotExist, ValidationError, ValueError):
            return None

    @admin.display(description=_("entitlement"))
    def entitlement_link(self, obj: Ticket):
        entitlement = obj.entitlement
        if entitlement is None:
            return "-"
        label = f"{entitlement.get_kind_display()} · {entitlement.product}"
        try:
            url = reverse(
                "admin:entitlements_entitlement_change",
                args=[quote(entitlement.pk)],
                current_app=self.admin_site.name,
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("solved by article"))
    def solved_by_link(self, obj: Ticket):
        article = obj.solved_by
        if article is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a> ({})',
            services.article_public_url(article),
            article.title,
            article.get_language_display(),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(
                title=gettext("Request %(id)s") % {"id": obj.ticket_id},
                subtitle=obj.subject,
                triage=self._desk_context(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _desk_context(self, request, ticket: Ticket) -> dict:
        """Everything the ticket page shows, read in a fixed number of queries."""
        now = timezone.now()
        messages_ = (
            Message.objects.filter(ticket=ticket)
            .select_related("author")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
            .order_by("created_at", "pk")
        )
        thread = [
            ThreadEntry(
                message=message,
                label=str(ThreadEntry.LABELS.get(message.kind, message.kind)),
                files=[
                    {
                        "name": attachment.name,
                        "size": attachment.size,
                        "url": self._attachment_url(ticket, attachment),
                    }
                    for attachment in message.attachments.all()
                ],
            )
            for message in messages_
        ]
        events = [
            {
                "event": event,
                "from": staff_status(event.from_status) if event.from_status else "-",
                "to": staff_status(event.to_status),
            }
            for event in TicketEvent.objects.filter(ticket=ticket)
            .select_related("actor")
            .order_by("at", "pk")
        ]
        entitlements = [
            {
                "state": (state := entitlement_selectors.entitlement_state(entitlement, at=now)),
                "label": str(ENTITLEMENT_STATES.get(state.status, state.status)),
                "this_request": entitlement.pk == ticket.entitlement_id,
                "order": entitlement.order_item.order.reference if entitlement.order_item else "",
            }
            for entitlement in entitlement_selectors.customer_entitlements(
                customer=ticket.customer
            ).select_related("order_item__order")
        ]
        is_open = ticket.status in OPEN_STATES
        can_triage = self.has_triage_permission(request, ticket)
        draft = request.session.pop(self._draft_key(ticket), None) or {}
        drafted = draft.get("form", "")
        values = draft.get("values", {})

        def initial(form_class, **defaults) -> dict:
            return {**defaults, **(values if drafted == form_class.prefix else {})}

        forms = {}
        if can_triage:
            forms = {
                "note": admin_forms.NoteForm(initial=initial(admin_forms.NoteForm)),
                "priority": admin_forms.PriorityForm(initial={"priority": ticket.priority}),
                "solved_by": admin_forms.SolvedByForm(initial={"article": ticket.solved_by_id}),
            }
            if is_open:
                forms.update(
                    reply=admin_forms.ReplyForm(initial=initial(admin_forms.ReplyForm)),
                    call=admin_forms.CallForm(initial=initial(admin_forms.CallForm)),
                    resolve=admin_forms.ResolveForm(),
                    assign=admin_forms.AssignForm(initial={"engineer": ticket.assignee_id}),
                )
                if ticket.closure_proposed_at is None:
                    forms["closure"] = admin_forms.ProposeClosureForm(
                        initial=initial(admin_forms.ProposeClosureForm)
                    )
        # A late reply by e-mail opens a new request that follows the closed one: both ways.
        followed_by = Ticket.objects.filter(follows=ticket).only("pk", "ticket_id", "subject")
        return {
            "now": now,
            "follows": (
                {"ticket": ticket.follows, "url": self._ticket_url(request, ticket.follows)}
                if ticket.follows is not None
                else None
            ),
            "followed_by": [
                {"ticket": later, "url": self._ticket_url(request, later)}
                for later in followed_by.order_by("created_at", "pk")
            ],
            "thread": thread,
            "events": events,
            "entitlements": entitlements,
            "first_response": first_response_target(ticket, now),
            "callback": callback_target(ticket, now),
            "status_label": staff_status(ticket.status),
            "support_kind": support_kind_label(ticket.entitlement_kind),
            "is_open": is_open,
            "is_mine": ticket.assignee_id == request.user.pk,
            "can_triage": can_triage,
            "forms": forms,
            "drafted": drafted,
            "urls": {
                step.replace("-", "_"): self._desk_url(request, ticket, step) for step in DESK_STEPS
            },
            "customer_url": self._admin_url("accounts_user_change", ticket.customer_id),
            "solved_by": (
                {"article": ticket.solved_by, "url": services.article_public_url(ticket.solved_by)}
                if ticket.solved_by is not None
                else None
            ),
        }

    def _admin_url(self, name: str, pk) -> str:
        try:
            return reverse(f"admin:{name}", args=[quote(pk)], current_app=self.admin_site.name)
        except NoReverseMatch:
            return ""

    def _with_filters(self, request, url: str) -> str:
        """``url`` with the queue filters the page was opened from (for the way back)."""
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _ticket_url(self, request, ticket: Ticket) -> str:
        info = self.opts.app_label, self.opts.model_name
        url = reverse(
            "admin:{}_{}_change".format(*info),
            args=[quote(ticket.pk)],
            current_app=self.admin_site.name,
        )
        return self._with_filters(request, url)

    def _desk_url(self, request, ticket: Ticket, step: str) -> str:
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

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
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

    def _reads_without_transaction(self, pattern):
        """The queue and a ticket's page read in autocommit; their POSTs stay one transaction."""
        info = self.opts.app_label, self.opts.model_name
        if pattern.name in ("{}_{}_changelist".format(*info), "{}_{}_change".format(*info)):
            pattern.callback = atomic_writes(pattern.callback)
        return pattern

    def attachment_view(self, request: HttpRequest, object_id: str, attachment_id: int):
        """Any file of the ticket, internal notes' included, for staff who may see tickets."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404
        attachment = Attachment.objects.filter(pk=attachment_id, message__ticket=ticket).first()
        if attachment is None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except (OSError, ValueError):
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def desk_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """One form of the ticket page: call its service, come back with a message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_triage_permission(request):
            raise PermissionDenied
        desk_step = DESK_STEPS.get(step)
        ticket = self.get_object(request, unquote(object_id))
        if desk_step is None or ticket is None:
            raise Http404
        form = desk_step.form(request.POST, request.FILES) if desk_step.form else None
        if form is not None and not form.is_valid():
            self._keep_draft(request, ticket, form)
            messages.error(request, self._form_errors(form))
        else:
            try:
                done = getattr(self, desk_step.run)(request, ticket, form)
            except ApplicationError as error:
                if form is not None:
                    self._keep_draft(request, ticket, form)
                messages.error(request, error.message)
            else:
                messages.success(request, done)
        # Back to the top of the page, where the message and the new status show.
        return HttpResponseRedirect(self._ticket_url(request, ticket))

    def _draft_key(self, ticket: Ticket) -> str:
        return f"triage-draft-{ticket.pk}"

    def _keep_draft(self, request, ticket: Ticket, form: admin_forms.DeskForm) -> None:
        """Keep what was typed into a refused form, so the page shows it again (never files)."""
        if form.DRAFT_FIELDS:
            request.session[self._draft_key(ticket)] = {
                "form": form.prefix,
                "values": form.draft(),
            }

    def _form_errors(self, form: admin_forms.DeskForm) -> str:
        parts = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            text = " ".join(str(error) for error in errors)
            parts.append(f"{label}: {text}" if label else text)
        return " ".join(parts)

    def _step_take(self, request, ticket: Ticket, form) -> str:
        services.ticket_take(ticket=ticket, engineer=request.user)
        return gettext("You took request %(id)s.") % {"id": ticket.ticket_id}

    def _step_resolve(self, request, ticket: Ticket, form) -> str:
        services.ticket_resolve(
            ticket=ticket, engineer=request.user, note=form.cleaned_data["note"]
        )
        return gettext("Request %(id)s is closed as resolved; the customer was told.") % {
            "id": ticket.ticket_id
        }

    def _step_reply(self, request, ticket: Ticket, form) -> str:
        data = form.cleaned_data
        services.ticket_reply(
            ticket=ticket,
            engineer=request.user,
            body=data["body"],
            awaits_customer=data["awaits_customer"],
            files=data["files"],
            article=data["article"],
        )
        if data["awaits_customer"]:
            done = gettext(
                "Your reply was sent to the customer; the request now waits for their answer."
            )
        else:
            done = gettext("Your reply was sent to the customer.")
        # Linking an article is no verdict that it solved the request: the engineer says so.
        if data["article"] is not None and ticket.solved_by_id is None:
            done += " " + gettext(
                "If the article solves the request, mark it under “Solved by article”."
            )
        return done

    def _step_note(self, request, ticket: Ticket, form) -> str:
        services.ticket_note(
            ticket=ticket,
            engineer=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
        )
        return gettext("Internal note added; the customer does not see it.")

    def _step_call(self, request, ticket: Ticket, form) -> str:
        services.ticket_log_call(
            ticket=ticket,
            engineer=request.user,
            reached=form.reached,
            note=form.cleaned_data["note"],
        )
        if form.reached:
            return gettext("The call is recorded.")
        return gettext("The call attempt is recorded and counts as a contact attempt.")

    def _step_assign(self, request, ticket: Ticket, form) -> str:
        engineer = form.cleaned_data["engineer"]
        services.ticket_assign(ticket=ticket, engineer=engineer, actor=request.user)
        return gettext("Request %(id)s is assigned to %(name)s.") % {
            "id": ticket.ticket_id,
            "name": engineer,
        }

    def _step_priority(self, request, ticket: Ticket, form) -> str:
        priority = form.cleaned_data["priority"]
        services.ticket_set_priority(ticket=ticket, priority=priority, actor=request.user)
        return gettext("The priority is now %(priority)s.") % {"priority": Priority(priority).label}

    def _step_solved_by(self, request, ticket: Ticket, form) -> str:
        article = form.cleaned_data["article"]
        services.ticket_solved_by_set(ticket=ticket, article=article, actor=request.user)
        if article is None:
            return gettext("Request %(id)s is no longer marked as solved by an article.") % {
                "id": ticket.ticket_id
            }
        return gettext("Request %(id)s is marked as solved by the article “%(title)s”.") % {
            "id": ticket.ticket_id,
            "title": article.title,
        }

    def _step_propose_closure(self, request, ticket: Ticket, form) -> str:
        services.ticket_propose_unresolved_closure(
            ticket=ticket, engineer=request.user, explanation=form.cleaned_data["explanation"]
        )
        return gettext("The customer is asked to agree to closing the request unresolved.")


class InboundAssignForm(forms.Form):
    ticket_id = forms.CharField(
        label=_("Ticket ID"),
        max_length=20,
        help_text=_(
            "The customer's own mail becomes their message; anyone else's an internal note."
        ),
    )


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
        "assigned_by",
        "assigned_at",
    )
    readonly_fields = fields
    actions = ["dismiss"]
    change_form_template = "admin/tickets/inboundemail/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_dismiss_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def has_assign_permission(self, request) -> bool:
        """Adding a mail to a ticket acts on the ticket: the desk's own permission."""
        return self.has_view_permission(request) and selectors.staff_may_triage(request.user)

    @admin.action(
        description=_("Dismiss the selected quarantined e-mails"), permissions=["dismiss"]
    )
    def dismiss(self, request, queryset):
        quarantined = list(queryset.filter(state=InboundEmail.State.QUARANTINED))
        InboundEmail.objects.filter(pk__in=[mail.pk for mail in quarantined]).update(
            state=InboundEmail.State.DISMISSED
        )
        inbound.inbound_email_files_drop(inbound_ids=[mail.pk for mail in quarantined])
        for mail in quarantined:
            self.log_change(request, mail, [{"changed": {"fields": ["state"]}}])
        count = len(quarantined)
        self.message_user(
            request,
            ngettext("%d e-mail dismissed.", "%d e-mails dismissed.", count) % count,
            messages.SUCCESS,
        )

    def get_urls(self):
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
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

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Add to ticket…: the mail's text and files become a message of the chosen ticket."""
        if not self.has_assign_permission(request):
            raise PermissionDenied
        mail = self.get_object(request, unquote(object_id))
        if mail is None:
            raise Http404
        if request.method == "POST":
            form = InboundAssignForm(request.POST)
            if form.is_valid():
                try:
                    assigned = inbound.inbound_email_assign(
                        inbound=mail, ticket_id=form.cleaned_data["ticket_id"], staff=request.user
                    )
                except ApplicationError as error:
                    form.add_error("ticket_id", error.message)
                else:
                    self.log_change(
                        request, mail, [{"changed": {"fields": ["state", "ticket", "message"]}}]
                    )
                    self._report_assigned(request, assigned)
                    return HttpResponseRedirect(self._change_url(mail))
        else:
            form = InboundAssignForm(
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

    def _report_assigned(self, request, assigned: inbound.Assigned) -> None:
        names = {"id": assigned.message.ticket.ticket_id}
        if assigned.as_customer:
            done = gettext("The e-mail is added to %(id)s as the customer's message.") % names
        else:
            done = (
                gettext(
                    "The e-mail is added to %(id)s as an internal note: it is not from the "
                    "customer."
                )
                % names
            )
        self.message_user(request, done, messages.SUCCESS)
        if assigned.refused_files:
            self.message_user(
                request,
                gettext("Files left out: %(files)s") % {"files": " ".join(assigned.refused_files)},
                messages.WARNING,
            )


@admin.register(EngineerProfile)
class EngineerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "takes_new_tickets")
    list_filter = ("team", "takes_new_tickets")
    list_select_related = ("user", "team")
    search_fields = ("user__email", "user__name")
    fields = ("user", "team", "products", "takes_new_tickets")
    filter_horizontal = ("products",)
