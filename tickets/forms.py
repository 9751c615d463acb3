"""Forms of the customer pages: a new request, a comment, reopening a closed request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from entitlements.models import Category, Channel
from tickets.attachments import ALLOWED_EXTENSIONS
from tickets.validators import remote_id_clean

# The categories a customer may choose; pre- and post-sales help is for partners.
CUSTOMER_CATEGORIES = [
    (code, label)
    for code, label in Category.choices
    if code in (Category.TECHNICAL, Category.SETUP, Category.RESTORE, Category.LICENSING)
]
REMOTE_ID_CATEGORIES = (Category.SETUP, Category.RESTORE)
ACCEPT = ",".join(f".{extension}" for extension in ALLOWED_EXTENSIONS)


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files at once (the pattern Django 5 documents)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files; cleans to a list (empty when none were chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(
        self,
        data: UploadedFile | Sequence[UploadedFile] | None,
        initial: UploadedFile | None = None,
    ) -> list[UploadedFile]:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


def _attachments_help() -> str:
    return _("Up to %(count)s files, each at most %(size)s MB. Allowed types: %(types)s.") % {
        "count": settings.TICKET_ATTACHMENTS_PER_MESSAGE,
        "size": settings.TICKET_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "types": ", ".join(ALLOWED_EXTENSIONS),
    }


class TicketForm(forms.Form):
    """A new support request. The product choices come from the view (registered first)."""

    # The fields the entitlement decision needs ("Check my support" validates only these).
    CHECK_FIELDS = ("product", "version", "category", "channel")
    # The fields kept in the session while the customer buys support (files never are).
    DRAFT_FIELDS = (
        "product",
        "version",
        "category",
        "channel",
        "phone",
        "subject",
        "description",
        "remote_id",
        "language",
    )

    product = forms.ChoiceField(label=_("Product"))
    version = forms.CharField(
        label=_("Installed version"),
        max_length=20,
        help_text=_("As shown in the program under Help > About, for example 21.2."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("What is your question about?"), choices=[])
    channel = forms.ChoiceField(
        label=_("How should we answer?"),
        choices=[(value, capfirst(label)) for value, label in Channel.choices],
        initial=Channel.ONLINE,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Phone number for the call-back"),
        max_length=40,
        required=False,
        help_text=_(
            "Needed for a call-back by phone, and for Setup and Restore Support: we call you to "
            "arrange the session. With the country code, e.g. +1 805 555 0100."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("A short summary, e.g. the error message you see."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        help_text=_(
            "What happened, what you expected, and what you already tried. Never send passwords: "
            "we mask anything that looks like one."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachments = MultipleFileField(label=_("Attachments (optional)"))
    remote_id = forms.CharField(
        label=_("Remote-assistance ID (optional)"),
        max_length=40,
        required=False,
        help_text=_(
            "Only for setup and restore requests: the ID your remote-assistance tool shows "
            "(TeamViewer or AnyDesk: 9 or 10 digits, or an AnyDesk alias such as name@ad; Windows "
            "Quick Assist: the 6-digit code), so an engineer can connect when you are ready. Enter "
            "only the ID, never a password."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    language = forms.ChoiceField(
        label=_("Language of the answer"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, product_choices: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Choose a product")), *product_choices]
        self.fields["category"].choices = [("", _("Choose a topic")), *CUSTOMER_CATEGORIES]
        self.fields["attachments"].help_text = _attachments_help()

    def clean_remote_id(self) -> str:
        return remote_id_clean(self.cleaned_data.get("remote_id", ""))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("channel") == Channel.PHONE and not (data.get("phone") or "").strip():
            self.add_error("phone", _("Enter the phone number we should call back."))
        if (data.get("remote_id") or "").strip() and data.get("category") not in (
            REMOTE_ID_CATEGORIES
        ):
            self.add_error(
                "remote_id",
                _("A remote-assistance ID is only needed for setup and restore requests."),
            )
        return data

    def keep_only_check_errors(self) -> None:
        """For "Check my support": show only what stops the decision, not a half-filled form."""
        for name in list(self.errors):
            if name not in self.CHECK_FIELDS:
                del self.errors[name]

    def check_values(self) -> dict | None:
        """The cleaned fields the decision needs, or None while one of them is invalid."""
        if any(name in self.errors for name in self.CHECK_FIELDS):
            return None
        return {name: self.cleaned_data[name] for name in self.CHECK_FIELDS}

    def draft(self) -> dict[str, str]:
        """The entered text of the fields worth keeping, as plain strings (for the session)."""
        draft = {}
        for name in self.DRAFT_FIELDS:
            value = self.data.get(name, "")
            if isinstance(value, str):
                draft[name] = value[: getattr(self.fields[name], "max_length", None) or 40]
        return draft


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=20000,
        help_text=_("Never send passwords: we mask anything that looks like one."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label=_("Attachments (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _attachments_help()


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("Why do you reopen the request?"),
        max_length=20000,
        help_text=_("Tell us what happened since the request was closed."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
