from allauth.account import forms as allauth_forms
from django import forms

from portal.accounts.models import User
from portal.accounts.services import PROFILE_FIELDS
from portal.accounts.validators import customer_password_help_html


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"})}


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, listing only the password rules that apply to customers."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "password1" in self.fields:
            self.fields["password1"].help_text = customer_password_help_html()
