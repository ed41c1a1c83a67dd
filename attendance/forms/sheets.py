"""Forms of the attendance sheets: a typed code, a trainer's mark, the closing, a staff correction."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceStatus


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        help_text=_(
            "Le code qu'affiche le formateur (ou qu'il lit à voix haute à distance) ; il change toutes les 30 secondes."
        ),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"[0-9 ]*"}),
        error_messages={"required": _("Saisissez les 6 chiffres du code qu'affiche le formateur.")},
    )


# What a trainer marks by a single tap; an excused absence has its own form, with the reason.
QUICK_MARKS = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT)


class MarkForm(forms.Form):
    status = forms.ChoiceField(label=_("Présence"), choices=AttendanceStatus.choices)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("status") == AttendanceStatus.EXCUSED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Précisez le motif de l'absence excusée."))
        return data


class ExcuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'absence"),
        help_text=_("Par exemple : certificat médical, convocation, rendez-vous France Travail."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Précisez le motif de l'absence excusée.")},
    )


class CloseForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        help_text=_("Pour contresigner la feuille : les personnes qui n'ont ni signé ni été marquées seront absentes."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe pour contresigner la feuille.")},
    )


class CorrectionForm(forms.Form):
    application = forms.TypedChoiceField(label=_("Personne"), coerce=int)
    status = forms.ChoiceField(label=_("Présence corrigée"), choices=AttendanceStatus.choices)
    reason = forms.CharField(
        label=_("Motif de la correction"),
        help_text=_("Gardé dans l'historique de la feuille et imprimé sur son PDF."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de la correction.")},
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = people
