from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class ContactForm(forms.Form):
    TOPICS = [
        ("licensing", _("Licensing")),
        ("support", _("Buying support")),
        ("partner", _("Partner programme")),
        ("other", _("Other")),
    ]

    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Your e-mail address"))
    topic = forms.ChoiceField(label=_("Topic"), choices=TOPICS)
    message = forms.CharField(
        label=_("Your message"), min_length=10, max_length=5000, widget=forms.Textarea
    )
    # People leave this empty because they never see it; bots fill in every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def topic_label(self) -> str:
        """Return the topic in English: the sales inbox reads one language."""
        with translation.override("en"):
            return str(dict(self.TOPICS)[self.cleaned_data["topic"]])


class VerificationResendForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"))
