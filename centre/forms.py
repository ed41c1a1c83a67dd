from django import forms

from core.phones import to_e164

from .models import Centre


class CentreAdminForm(forms.ModelForm):
    """Staff type phone numbers as they dial them; the record keeps them in E.164.

    The admin gives the form every field of its fieldsets.
    """

    class Meta:
        model = Centre
        fields = ["phone", "host_phone", "disability_referent_phone"]

    def clean_phone(self):
        return to_e164(self.cleaned_data["phone"])

    def clean_host_phone(self):
        return to_e164(self.cleaned_data["host_phone"])

    def clean_disability_referent_phone(self):
        typed = self.cleaned_data["disability_referent_phone"]
        return to_e164(typed) if typed else ""
