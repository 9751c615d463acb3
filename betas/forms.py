"""The beta group's enrolment form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from betas.models import COMMITMENT_VERSION, COMMITMENTS
from entitlements.models import Product
from partners.models import Organisation
from portal.core.errors import ApplicationError

ERROR_FIELDS = {
    "not-a-member": "organisation",
    "organisation-required": "organisation",
    "beta-not-included": "organisation",
    "installation-not-participating": "installation_id",
    "ncep-required": None,
    "product-not-available": "product",
    "already-enrolled": "product",
}


class EnrolmentForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("sort_order", "name"),
        empty_label=_("Choose a product"),
        to_field_name="code",
    )
    organisation = forms.ModelChoiceField(
        label=_("Enrol for"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        # With a single organisation the service takes it; with several it asks to choose.
        required=False,
    )
    installation_id = forms.UUIDField(
        label=_("Installation ID (optional)"),
        required=False,
        help_text=_(
            "The anonymous ID of an installation that takes part in NCEP, as the program "
            "shows it in its Customer Experience Programme settings."
        ),
        error_messages={
            "invalid": _(
                "An installation ID looks like 123e4567-e89b-12d3-a456-426614174000; "
                "please copy it from the program."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    commitment = forms.BooleanField(
        label=COMMITMENTS[COMMITMENT_VERSION],
        required=False,
        help_text=_("Needed only when you give no installation ID."),
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations:
            field = self.fields["organisation"]
            field.queryset = Organisation.objects.filter(pk__in=[org.pk for org in organisations])
            if len(organisations) == 1:
                field.widget = forms.HiddenInput()
                field.initial = organisations[0].pk
        else:
            del self.fields["organisation"]

    def add_service_error(self, error: ApplicationError) -> None:
        name = ERROR_FIELDS.get(error.code)
        self.add_error(name if name in self.fields else None, error.message)
