from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.accounts.services import PROFILE_FIELDS
from portal.accounts.validators import customer_password_help_html


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"})}


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, listing only the password rules that apply to customers.

    It also offers release e-mails, unticked: nobody is signed up for them by default.
    """

    release_notifications = forms.BooleanField(
        label=_("Send me an e-mail when a new release of my products comes out."),
        required=False,
        initial=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "password1" in self.fields:
            self.fields["password1"].help_text = customer_password_help_html()

    def custom_signup(self, request: HttpRequest, user: User) -> None:
        super().custom_signup(request, user)
        if self.cleaned_data.get("release_notifications"):
            user.release_notifications = True
            user.save(update_fields=["release_notifications"])
