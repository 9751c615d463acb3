"""The triage queue's actions: each calls one service for every selected ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.core.errors import ApplicationError
from tickets import services
from tickets.models import Priority, Ticket

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


class TriageActions:
    """What the queue's action bar does; every action needs the ``triage`` permission."""

    def _action_input(self, request: HttpRequest) -> dict[str, Any]:
        """The valid fields of the action bar (engineer, priority, explanation)."""
        form = self.action_form(request.POST, auto_id=None)
        form.fields["action"].choices = self.get_action_choices(request)
        form.is_valid()
        return form.cleaned_data

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Ticket],
        done: str,
        change: Callable[[Ticket], object],
    ) -> None:
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
    def take(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._each(
            request,
            queryset,
            gettext("Taken"),
            lambda ticket: services.ticket_take(ticket=ticket, engineer=request.user),
        )

    @admin.action(description=_("Assign to the engineer chosen…"), permissions=["triage"])
    def assign(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]) -> None:
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
    def log_call_attempt(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]
    ) -> None:
        self._each(
            request,
            queryset,
            gettext("Call attempt logged"),
            lambda ticket: services.ticket_log_call(
                ticket=ticket, engineer=request.user, reached=False
            ),
        )

    @admin.action(description=_("Change the priority to the one chosen…"), permissions=["triage"])
    def change_priority(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]
    ) -> None:
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
    def resolve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]) -> None:
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
    def propose_closure(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]
    ) -> None:
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
    def cancel_as_mistake(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]
    ) -> None:
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
    def revoke_links(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]) -> None:
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
