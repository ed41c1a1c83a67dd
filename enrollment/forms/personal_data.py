"""The forms of « Mes données personnelles »: the deletion asked with the password, then confirmed from the email."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AccountDeletionRequestForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        help_text=_(
            "Pour vérifier que c'est bien vous ; un lien de confirmation vous est ensuite envoyé par courriel."
        ),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe pour demander la suppression de votre compte.")},
    )


class AccountDeletionConfirmForm(forms.Form):
    """Only the button « Supprimer définitivement mon compte » sends ``confirm``."""

    confirm = forms.ChoiceField(
        choices=[("oui", _("Supprimer définitivement mon compte"))],
        error_messages={
            "required": _("Confirmez la suppression avec le bouton « Supprimer définitivement mon compte »."),
            "invalid_choice": _("Confirmez la suppression avec le bouton « Supprimer définitivement mon compte »."),
        },
    )
