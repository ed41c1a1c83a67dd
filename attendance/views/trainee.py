"""The trainees' signing pages (/emargement/): a typed code, or the address a QR code opens.

Signing is a POST, never a GET: a QR code's address shows the slot and a button, so that a
link previewed by a messaging app, or opened twice, signs nothing. Phone first, no script.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from attendance import presence
from attendance.forms.sheets import CodeForm
from attendance.models import Attendance
from attendance.services import sheets as sheet_services
from core.formatting import time_short


def _signed_message(line: Attendance) -> str:
    slot = line.sheet.slot
    return _("Votre présence est enregistrée : %(programme)s, le %(slot)s (signé à %(time)s).") % {
        "programme": slot.session.programme.title,
        "slot": presence.slot_label(slot),
        "time": time_short(line.signed_at),
    }


def _status_of(error: ValidationError) -> int:
    return 429 if getattr(error, "code", None) == "rate_limited" else 400


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign(request):
    """Type the 6-digit code; the person's slots open for signing now are listed."""
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                line = sheet_services.attendance_sign(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
                status = _status_of(error)
            else:
                messages.success(request, _signed_message(line))
                return redirect("attendance:sign")
    sheets = presence.sheets_open_for(user=request.user, now=timezone.now())
    for sheet in sheets:
        sheet.label = presence.slot_label(sheet.slot)
        sheet.place = presence.slot_place(sheet.slot)
    return render(request, "attendance/sign.html", {"form": form, "sheets": sheets}, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_token(request, token: str):
    """The address a QR code opens: the slot and « Je signe ma présence »; the POST signs."""
    refusal, sheet, line = "", None, None
    status = 200
    try:
        sheet, application = sheet_services.token_sheet(user=request.user, token=token)
    except ValidationError as error:
        refusal = " ".join(error.messages)
        status = _status_of(error)
    else:
        line = Attendance.objects.filter(sheet=sheet, application=application, signed_at__isnull=False).first()
        if request.method == "POST":
            try:
                line = sheet_services.attendance_sign(user=request.user, token=token)
            except ValidationError as error:
                refusal = " ".join(error.messages)
                status = _status_of(error)
            else:
                messages.success(request, _signed_message(line))
                return redirect("attendance:sign")
    if refusal and request.method == "POST":
        messages.error(request, refusal)
    context = {"refusal": refusal, "sheet": sheet, "line": line, "token": token}
    if sheet is not None:
        context |= {"label": presence.slot_label(sheet.slot), "place": presence.slot_place(sheet.slot)}
    return render(request, "attendance/sign_token.html", context, status=status)
