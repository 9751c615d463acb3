"""Macros on a ticket's page: the picker above the reply, its preview and sending the reply.

Choosing a macro and pressing "Preview" reloads the page with ``?macro=<id>`` (no script
needed): the reply box then holds the macro's text filled in for this request, says what else
the macro does, and posts to the desk step "macro", which sends the text as the engineer left
it through ``tickets.macros.macro_apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from tickets import macros
from tickets.admin_forms import DeskForm, _files_help
from tickets.forms import MultipleFileField
from tickets.models import Macro, Priority, Ticket


class MacroReplyForm(DeskForm):
    """The reply started from a macro: its text as edited, the macro, and files."""

    prefix = "macro"
    DRAFT_FIELDS = ("body", "macro")
    # Not "files": that name is the form's own (the uploaded files it was given).

    body = forms.CharField(
        label=_("Your reply"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("The customer gets it by e-mail and sees it on their request page."),
    )
    macro = forms.ModelChoiceField(
        label=_("Macro"),
        queryset=Macro.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This macro no longer exists.")},
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _files_help()


def macro_reply(*, ticket: Ticket, user: User, form: MacroReplyForm) -> str:
    """The desk step "macro": send the reply and do what the macro adds, then say what was done."""
    macro: Macro = form.cleaned_data["macro"]
    macros.macro_apply(
        ticket=ticket,
        macro=macro,
        engineer=user,
        body=form.cleaned_data["body"],
        files=form.cleaned_data["attachments"],
    )
    done = [
        gettext("The reply from the macro “%(title)s” was sent to the customer.")
        % {"title": macro.title}
    ]
    if macro.awaits_customer:
        done.append(gettext("The request now waits for the customer's answer."))
    if macro.priority is not None:
        done.append(
            gettext("The priority is now %(priority)s.")
            % {"priority": Priority(macro.priority).label}
        )
    if macro.internal_note.strip():
        done.append(gettext("Internal note added; the customer does not see it."))
    return " ".join(done)


def macro_effects(*, macro: Macro, ticket: Ticket, user: User) -> list[str]:
    """What sending the macro's reply does besides answering, in the engineer's words."""
    if macro.awaits_customer:
        effects = [gettext("The request waits for the customer's answer (a contact attempt).")]
    else:
        effects = [gettext("The reply asks nothing: the request stays open for support.")]
    if macro.priority is not None:
        effects.append(
            gettext("Sets the priority to %(priority)s.")
            % {"priority": Priority(macro.priority).label}
        )
    if macro.internal_note.strip():
        note = macros.text_render(macro.internal_note, ticket=ticket, engineer=user)
        effects.append(gettext("Adds an internal note: %(note)s") % {"note": note})
    return effects


def macro_picker(
    *,
    ticket: Ticket,
    user: User | AnonymousUser,
    can_triage: bool,
    query: Mapping[str, str],
    draft: dict,
) -> dict:
    """The macro picker of a ticket's page and, for a chosen macro, its filled-in reply.

    ``query`` is the page's query string (``macro``: the macro to preview); a refused send of
    a macro's reply comes back as ``draft`` and shows the text as it was sent. Reads the
    engineer's macros in one query, and the articles the chosen one links to in one more.
    """
    if not can_triage or not ticket.is_open or not isinstance(user, User):
        return {}
    offered = macros.macros_for(engineer=user, ticket=ticket)
    drafted = draft.get("values", {}) if draft.get("form") == MacroReplyForm.prefix else {}
    wanted = str(drafted.get("macro") or query.get("macro") or "")
    chosen = next((macro for macro in offered if str(macro.pk) == wanted), None)
    picker: dict[str, Any] = {
        "offered": offered,
        "chosen": chosen,
        "unavailable": bool(wanted) and chosen is None,
        "filters": query.get("_changelist_filters", ""),
    }
    if chosen is not None:
        body = drafted.get("body") or macros.macro_render(
            macro=chosen, ticket=ticket, engineer=user
        )
        picker.update(
            form=MacroReplyForm(initial={"body": body, "macro": chosen.pk}),
            effects=macro_effects(macro=chosen, ticket=ticket, user=user),
            unfilled=macros.unfilled(body),
        )
    return picker
