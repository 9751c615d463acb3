"""Forms of the partner area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from entitlements.forms import ProductChoiceField
from partners.models import MemberRole


class ApplicationForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    country = forms.ChoiceField(label=_("Country"))
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(
        label=_("Contact phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    website = forms.URLField(label=_("Website (optional)"), required=False, assume_scheme="https")
    message = forms.CharField(
        label=_("About your company (optional)"),
        max_length=5000,
        required=False,
        help_text=_("What you sell and to whom, and which NovaBACKUP products interest you."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country")), *countries]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class NfrRequestForm(forms.Form):
    product = ProductChoiceField(label=_("Product"))
    purpose = forms.CharField(
        label=_("What you will use it for (optional)"),
        max_length=2000,
        required=False,
        help_text=_("For example: demonstrations to customers, training of our technicians."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PresalesForm(forms.Form):
    customer_company = forms.CharField(label=_("Customer company"), max_length=200)
    product = ProductChoiceField(label=_("Product"))
    expected_seats = forms.IntegerField(
        label=_("Expected seats"),
        min_value=1,
        max_value=1_000_000,
        help_text=_("How many computers or users the customer plans to protect."),
    )
    description = forms.CharField(
        label=_("The customer project"),
        max_length=10000,
        help_text=_("What the customer wants to achieve, their environment, and your questions."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class PostsalesForm(forms.Form):
    product = ProductChoiceField(label=_("Product"))
    version = forms.CharField(
        label=_("Installed version"),
        max_length=20,
        help_text=_("As shown in the program under Help > About, for example 21.2."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        help_text=_(
            "The customer's installation, what happened and what you already tried. Never send "
            "passwords: we mask anything that looks like one."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    language = forms.ChoiceField(
        label=_("Language of the answer"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
