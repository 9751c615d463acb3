"""What the forms of the support desk do when sent: a ticket page's forms and the mail quarantine.

Each form of a ticket's page posts to its own admin URL (``<id>/desk/<step>/``), calls one
service and comes back to the page with a message saying what was done. A form the service
refuses keeps what was typed into it (never its files), so the page shows it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.core.errors import ApplicationError
from tickets import admin_forms, desk_macros, inbound, services
from tickets.models import InboundEmail, Priority, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.core.http import AuthenticatedHttpRequest

# --- What each form of a ticket's page does ---------------------------------------------------


def take(*, ticket: Ticket, user: User, form: admin_forms.DeskForm | None) -> str:
    services.ticket_take(ticket=ticket, engineer=user)
    return gettext("You took request %(id)s.") % {"id": ticket.ticket_id}


def resolve(*, ticket: Ticket, user: User, form: admin_forms.ResolveForm) -> str:
    services.ticket_resolve(ticket=ticket, engineer=user, note=form.cleaned_data["note"])
    return gettext("Request %(id)s is closed as resolved; the customer was told.") % {
        "id": ticket.ticket_id
    }


def reply(*, ticket: Ticket, user: User, form: admin_forms.ReplyForm) -> str:
    data = form.cleaned_data
    services.ticket_reply(
        ticket=ticket,
        engineer=user,
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


def note(*, ticket: Ticket, user: User, form: admin_forms.NoteForm) -> str:
    services.ticket_note(
        ticket=ticket,
        engineer=user,
        body=form.cleaned_data["body"],
        files=form.cleaned_data["files"],
    )
    return gettext("Internal note added; the customer does not see it.")


def call(*, ticket: Ticket, user: User, form: admin_forms.CallForm) -> str:
    services.ticket_log_call(
        ticket=ticket, engineer=user, reached=form.reached, note=form.cleaned_data["note"]
    )
    if form.reached:
        return gettext("The call is recorded.")
    return gettext("The call attempt is recorded and counts as a contact attempt.")


def assign(*, ticket: Ticket, user: User, form: admin_forms.AssignForm) -> str:
    engineer = form.cleaned_data["engineer"]
    services.ticket_assign(ticket=ticket, engineer=engineer, actor=user)
    return gettext("Request %(id)s is assigned to %(name)s.") % {
        "id": ticket.ticket_id,
        "name": engineer,
    }


def priority(*, ticket: Ticket, user: User, form: admin_forms.PriorityForm) -> str:
    chosen = form.cleaned_data["priority"]
    services.ticket_set_priority(ticket=ticket, priority=chosen, actor=user)
    return gettext("The priority is now %(priority)s.") % {"priority": Priority(chosen).label}


def solved_by(*, ticket: Ticket, user: User, form: admin_forms.SolvedByForm) -> str:
    article = form.cleaned_data["article"]
    services.ticket_solved_by_set(ticket=ticket, article=article, actor=user)
    if article is None:
        return gettext("Request %(id)s is no longer marked as solved by an article.") % {
            "id": ticket.ticket_id
        }
    return gettext("Request %(id)s is marked as solved by the article “%(title)s”.") % {
        "id": ticket.ticket_id,
        "title": article.title,
    }


def propose_closure(*, ticket: Ticket, user: User, form: admin_forms.ProposeClosureForm) -> str:
    services.ticket_propose_unresolved_closure(
        ticket=ticket, engineer=user, explanation=form.cleaned_data["explanation"]
    )
    return gettext("The customer is asked to agree to closing the request unresolved.")


@dataclass(frozen=True)
class DeskStep:
    """A form of the ticket page: its form class (None: a button) and what it does."""

    form: type[admin_forms.DeskForm] | None
    run: Callable[..., str]


DESK_STEPS = {
    "take": DeskStep(None, take),
    "resolve": DeskStep(admin_forms.ResolveForm, resolve),
    "reply": DeskStep(admin_forms.ReplyForm, reply),
    "macro": DeskStep(desk_macros.MacroReplyForm, desk_macros.macro_reply),
    "note": DeskStep(admin_forms.NoteForm, note),
    "call": DeskStep(admin_forms.CallForm, call),
    "assign": DeskStep(admin_forms.AssignForm, assign),
    "priority": DeskStep(admin_forms.PriorityForm, priority),
    "propose-closure": DeskStep(admin_forms.ProposeClosureForm, propose_closure),
    "solved-by": DeskStep(admin_forms.SolvedByForm, solved_by),
}


def step_submit(request: AuthenticatedHttpRequest, *, ticket: Ticket, desk_step: DeskStep) -> None:
    """Run one form of the ticket page and say how it went; a refused form keeps its draft."""
    form = desk_step.form(request.POST, request.FILES) if desk_step.form else None
    if form is not None and not form.is_valid():
        draft_keep(request, ticket=ticket, form=form)
        messages.error(request, form_errors(form))
        return
    try:
        done = desk_step.run(ticket=ticket, user=request.user, form=form)
    except ApplicationError as error:
        if form is not None:
            draft_keep(request, ticket=ticket, form=form)
        messages.error(request, error.message)
    else:
        messages.success(request, done)


def form_errors(form: admin_forms.DeskForm) -> str:
    """The form's errors in one line, each after its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(error) for error in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


# --- Drafts and the forms a ticket's page shows -----------------------------------------------


def _draft_key(ticket: Ticket) -> str:
    return f"triage-draft-{ticket.pk}"


def draft_keep(request: HttpRequest, *, ticket: Ticket, form: admin_forms.DeskForm) -> None:
    """Keep what was typed into a refused form, so the page shows it again (never files)."""
    if form.DRAFT_FIELDS:
        request.session[_draft_key(ticket)] = {"form": form.prefix, "values": form.draft()}


def draft_take(request: HttpRequest, *, ticket: Ticket) -> dict:
    """The draft kept for this ticket's page, once: ``{"form": prefix, "values": {...}}``."""
    return request.session.pop(_draft_key(ticket), None) or {}


def ticket_page_forms(*, ticket: Ticket, can_triage: bool, draft: dict) -> dict:
    """The forms a ticket's page shows to someone who may act on it, a kept draft filled in."""
    if not can_triage:
        return {}
    drafted = draft.get("form", "")
    values = draft.get("values", {})

    def initial(form_class: type[admin_forms.DeskForm], **defaults: Any) -> dict:
        return {**defaults, **(values if drafted == form_class.prefix else {})}

    page_forms = {
        "note": admin_forms.NoteForm(initial=initial(admin_forms.NoteForm)),
        "priority": admin_forms.PriorityForm(initial={"priority": ticket.priority}),
        "solved_by": admin_forms.SolvedByForm(initial={"article": ticket.solved_by_id}),
    }
    if ticket.is_open:
        reply_initial = initial(admin_forms.ReplyForm)
        if drafted == desk_macros.MacroReplyForm.prefix:
            # A refused reply from a macro: its text, should the macro no longer be offered.
            reply_initial = {"body": values.get("body", "")}
        page_forms.update(
            reply=admin_forms.ReplyForm(initial=reply_initial),
            call=admin_forms.CallForm(initial=initial(admin_forms.CallForm)),
            resolve=admin_forms.ResolveForm(),
            assign=admin_forms.AssignForm(initial={"engineer": ticket.assignee_id}),
        )
        if ticket.closure_proposed_at is None:
            page_forms["closure"] = admin_forms.ProposeClosureForm(
                initial=initial(admin_forms.ProposeClosureForm)
            )
    return page_forms


# --- The mail quarantine ----------------------------------------------------------------------


class InboundAssignForm(forms.Form):
    ticket_id = forms.CharField(
        label=_("Ticket ID"),
        max_length=20,
        help_text=_(
            "The customer's own mail becomes their message; anyone else's an internal note."
        ),
    )


def inbound_assign_submit(
    request: AuthenticatedHttpRequest, *, mail: InboundEmail, form: InboundAssignForm
) -> bool:
    """Add the mail to the ticket the form names and say so; False when refused (on the form)."""
    try:
        assigned = inbound.inbound_email_assign(
            inbound=mail, ticket_id=form.cleaned_data["ticket_id"], staff=request.user
        )
    except ApplicationError as error:
        form.add_error("ticket_id", error.message)
        return False
    names = {"id": assigned.message.ticket.ticket_id}
    if assigned.as_customer:
        done = gettext("The e-mail is added to %(id)s as the customer's message.") % names
    else:
        done = (
            gettext(
                "The e-mail is added to %(id)s as an internal note: it is not from the customer."
            )
            % names
        )
    messages.success(request, done)
    if assigned.refused_files:
        messages.warning(
            request,
            gettext("Files left out: %(files)s") % {"files": " ".join(assigned.refused_files)},
        )
    return True
