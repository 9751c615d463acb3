"""What the triage queue's columns and a ticket page's read-only fields show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tickets import services
from tickets.desk import first_response_target, short_time, staff_status, support_kind_label
from tickets.models import Priority, Status, Ticket

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

# The admin's own label of a row's checkbox, translated by the admin's catalog.
ADMIN_CHECKBOX_LABEL = "Select this object for an action - {}"
# How many characters of an e-mail's domain fit one line of the queue's customer column.
LONG_DOMAIN = 18


def _breaking_at_dots(text: str) -> SafeString:
    """``text``, escaped, with a line-break opportunity after each of its dots."""
    parts = [conditional_escape(part) for part in text.split(".")]
    return mark_safe(".<wbr>".join(parts))  # noqa: S308 - every part is escaped


class QueueColumns:
    """The queue's columns: what decides the next step, then who and what the request is."""

    def action_checkbox(self, obj: Ticket) -> SafeString:
        # The admin's own checkbox, written directly instead of a widget template per row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext(ADMIN_CHECKBOX_LABEL), str(obj)),
        )

    @admin.display(description=_("customer"), ordering="customer__email")
    def customer_column(self, obj: Ticket) -> SafeString:
        # The e-mail identifies the customer (and is searched); the name shows on hovering.
        # A long address wraps before the "@" and after the dots of its name; a domain too long
        # for one line of the column after its own dots as well.
        local, _at, domain = obj.customer.email.partition("@")
        return format_html(
            '<span title="{}">{}<wbr>@{}</span>',
            obj.customer.name or "",
            _breaking_at_dots(local),
            _breaking_at_dots(domain) if len(domain) > LONG_DOMAIN else domain,
        )

    @admin.display(description=_("product / version"), ordering="product__sort_order")
    def product_version(self, obj: Ticket) -> str:
        # Every product is "NovaBACKUP …": the queue shows what tells them apart.
        return f"{obj.product.name.removeprefix('NovaBACKUP ')} {obj.version}"

    @admin.display(description=_("team"), ordering="team__code")
    def team_column(self, obj: Ticket) -> SafeString:
        return format_html(
            '<abbr title="{}">{}</abbr>', obj.team.display_name, obj.team.code.upper()
        )

    @admin.display(description=_("support kind"), ordering="entitlement_kind")
    def support_kind(self, obj: Ticket) -> str:
        return support_kind_label(obj.entitlement_kind)

    @admin.display(description=_("assigned to"), ordering="assignee__name")
    def assignee_column(self, obj: Ticket) -> str:
        if obj.assignee is None:
            return format_html('<span class="triage-muted">{}</span>', _("unassigned"))
        return str(obj.assignee)

    @admin.display(description=_("status / priority"), ordering="status")
    def status_column(self, obj: Ticket) -> SafeString:
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
    def due_column(self, obj: Ticket) -> str:
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
    def last_activity(self, obj: Ticket) -> SafeString:
        return format_html(
            '<time datetime="{}">{}</time>',
            obj.last_activity_at.isoformat(),
            short_time(obj.last_activity_at),
        )


class PageFields:
    """Read-only fields of a ticket's page that link elsewhere."""

    admin_site: AdminSite

    @admin.display(description=_("entitlement"))
    def entitlement_link(self, obj: Ticket) -> str:
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
    def solved_by_link(self, obj: Ticket) -> str:
        article = obj.solved_by
        if article is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a> ({})',
            services.article_public_url(article),
            article.title,
            article.get_language_display(),
        )
