"""Forms of the triage desk: the queue's action bar and the forms on a ticket's page.

They only collect input; every change is made by ``tickets.services``. Each ticket-page form
has its own prefix, so several can sit on one page without clashing field IDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from knowledge import selectors as knowledge_selectors
from tickets.attachments import ALLOWED_EXTENSIONS
from tickets.forms import MultipleFileField
from tickets.models import Priority

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from knowledge.models import Article
    from portal.accounts.models import User


def engineers() -> QuerySet[User]:
    """Active staff with an engineer profile: who a ticket can be assigned to (one query)."""
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True, engineer__isnull=False)
        .select_related("engineer__team")
        .order_by("name", "email")
    )


class _ReadOnce(forms.models.ModelChoiceIterator):
    """The choices from one plain query.

    ``ModelChoiceIterator`` reads with ``iterator()``, which opens a server-side cursor (a
    ``DECLARE … WITH HOLD`` outside a transaction) each time the select is rendered.
    """

    def __iter__(self) -> Iterator[tuple[ModelChoiceIteratorValue | str, StrOrPromise]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # A fresh copy, so a queryset kept on a form class is read again each time.
        for obj in self.queryset.all():
            yield self.choice(obj)


class EngineerChoiceField(forms.ModelChoiceField):
    iterator = _ReadOnce

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.engineer.team.display_name})"


def published_articles() -> QuerySet[Article]:
    """The help-centre articles an engineer may point a customer to, by title (one query)."""
    return (
        knowledge_selectors.published_articles()
        .only("pk", "title", "slug", "language")
        .order_by("title", "pk")
    )


class ArticleChoiceField(forms.ModelChoiceField):
    """A published article, shown as its title and language; any other id is refused."""

    iterator = _ReadOnce

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=published_articles(), **kwargs)

    def label_from_instance(self, obj: Article) -> str:
        return f"{obj.title} ({obj.get_language_display()})"


def _priority_choices(blank: StrOrPromise) -> list[tuple[str, StrOrPromise]]:
    return [("", blank), *[(str(value), label) for value, label in Priority.choices]]


class TriageActionForm(ActionForm):
    """The queue's action bar: what "assign to…", "change priority" and "propose" need."""

    engineer = EngineerChoiceField(
        label=_("Engineer:"), queryset=engineers(), required=False, empty_label=_("(assign to…)")
    )
    priority = forms.TypedChoiceField(
        label=_("Priority:"),
        choices=_priority_choices(_("(priority…)")),
        coerce=int,
        empty_value=None,
        required=False,
    )
    explanation = forms.CharField(
        label=_("Explanation:"),
        required=False,
        max_length=5000,
        widget=forms.TextInput(
            attrs={
                "size": 30,
                "placeholder": _("why support cannot resolve it"),
                "title": _("Needed to propose closing the selected requests unresolved."),
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fresh queryset per form: the engineer list is read when the page is rendered.
        self.fields["engineer"].queryset = engineers()


class DeskForm(forms.Form):
    """A form on the ticket page; ``draft()`` is what is kept when the service refuses it."""

    DRAFT_FIELDS: tuple[str, ...] = ()

    def draft(self) -> dict:
        values: dict[str, str | bool] = {}
        for name in self.DRAFT_FIELDS:
            field = self.fields[name]
            raw = self.data.get(self.add_prefix(name), "")
            if isinstance(field, forms.BooleanField):
                values[name] = raw not in ("", "false", "False", "0", None)
            elif isinstance(raw, str):
                values[name] = raw[: getattr(field, "max_length", None) or 200]
        return values


def _files_help() -> str:
    return _("Optional: up to %(count)s files, each at most %(size)s MB (%(types)s).") % {
        "count": settings.TICKET_ATTACHMENTS_PER_MESSAGE,
        "size": settings.TICKET_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "types": ", ".join(ALLOWED_EXTENSIONS),
    }


class ReplyForm(DeskForm):
    prefix = "reply"
    DRAFT_FIELDS = ("body", "article", "awaits_customer")

    body = forms.CharField(
        label=_("Your reply"),
        # Required unless an article is linked: then the link alone is the reply.
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The customer gets it by e-mail and sees it on their request page."),
    )
    awaits_customer = forms.BooleanField(
        label=_("Asks the customer something (counts as a contact attempt)"),
        required=False,
        help_text=_(
            "The request then waits for the customer; unanswered attempts lead to reminders "
            "and, in the end, to closing it automatically."
        ),
    )
    article = ArticleChoiceField(
        label=_("Link a help-centre article"),
        required=False,
        empty_label=_("(no article)"),
        help_text=_("Its title and public address are added at the end of the reply."),
    )
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()

    def clean(self) -> dict:
        cleaned = super().clean()
        empty = not (cleaned.get("body") or "").strip() and not cleaned.get("article")
        # An article refused by its own field reports that, not a missing body besides.
        if empty and "body" not in self.errors and "article" not in self.errors:
            self.add_error("body", self.fields["body"].error_messages["required"])
        return cleaned


class SolvedByForm(DeskForm):
    prefix = "solved_by"

    article = ArticleChoiceField(
        label=_("Solved by article"),
        required=False,
        empty_label=_("(none)"),
        help_text=_("The help-centre article that answered this request; choose none to clear it."),
    )


class NoteForm(DeskForm):
    prefix = "note"
    DRAFT_FIELDS = ("body",)

    body = forms.CharField(
        label=_("Internal note"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Support only: the customer never sees it and gets no e-mail."),
    )
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()


class CallForm(DeskForm):
    prefix = "call"
    DRAFT_FIELDS = ("note",)
    REACHED = "reached"
    NOT_REACHED = "not-reached"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (REACHED, _("Reached the customer")),
            (NOT_REACHED, _("Not reached (counts as a contact attempt)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was said or tried"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the customer with the call record."),
    )

    @property
    def reached(self) -> bool:
        return self.cleaned_data["outcome"] == self.REACHED


class ResolveForm(DeskForm):
    prefix = "resolve"

    note = forms.CharField(
        label=_("Resolution note (optional, kept in the history)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 30}),
    )


class AssignForm(DeskForm):
    prefix = "assign"

    engineer = EngineerChoiceField(label=_("Assign to"), queryset=engineers())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engineer"].queryset = engineers()


class PriorityForm(DeskForm):
    prefix = "priority"

    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, widget=forms.Select
    )


class ProposeClosureForm(DeskForm):
    prefix = "closure"
    DRAFT_FIELDS = ("explanation",)

    explanation = forms.CharField(
        label=_("Why support cannot resolve the request"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Sent to the customer, who is asked to agree to closing the request unresolved."
        ),
    )
