"""Forms of OnSite Protect: the partner's booking form and the staff's decision in the admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product
from onsite import services
from partners.models import Organisation
from portal.core.errors import ApplicationError

# Which form field an ApplicationError of the services belongs to (None: the whole form).
ERROR_FIELDS = {
    "invalid-time-zone": "time_zone",
    "nonexistent-time": "start",
    "end-before-start": "end",
    "window-too-long": "end",
    "window-in-past": "day",
    "customer-required": "customer_name",
    "site-required": "site_name",
    "phone-required": "contact_phone",
}


class BookingForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("sort_order", "name"),
        empty_label=_("Choose a product"),
    )
    customer_name = forms.CharField(label=_("Customer"), max_length=200)
    site_name = forms.CharField(
        label=_("Site"),
        max_length=200,
        help_text=_("Where the installation takes place, e.g. the customer's office and town."),
    )
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("Your time zone, e.g. Europe/Berlin or America/New_York."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    contact_phone = forms.CharField(
        label=_("Your phone number during the window"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    notes = forms.CharField(
        label=_("Notes for the engineer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you install, the environment, anything the engineer should know."),
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisations the view allows can be chosen.
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(pk__in=[org.pk for org in organisations])
        if len(organisations) == 1:
            field.widget = forms.HiddenInput()
            field.initial = organisations[0].pk

    def clean_time_zone(self) -> str:
        try:
            return services.time_zone_check(self.cleaned_data["time_zone"]).key
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from error

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(ERROR_FIELDS.get(error.code), error.message)


class DecisionActionForm(ActionForm):
    """The engineer and the reason that the admin's confirm and decline actions use."""

    engineer = forms.ModelChoiceField(
        label=_("engineer"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("name"),
    )
    reason = forms.CharField(label=_("reason for declining"), required=False, max_length=500)
