from django import forms

from portal.accounts.models import User
from portal.accounts.services import PROFILE_FIELDS


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"})}
