"""The trainer's space (/formateur/): their sessions, today's slots, and the sheet of a slot.

A sheet's page shows the rotating code (a QR code and 6 digits) and who signed; a script polls
its live fragment every few seconds and swaps it in, and without JavaScript the page reloads
itself (a refresh inside ``<noscript>``). Marks and the closing are plain POST forms: the ones
that need typing (an excuse's reason, the password) have a page of their own, which never reloads.
"""

from functools import wraps

import segno
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance import codes, presence
from attendance.forms.sheets import QUICK_MARKS, CloseForm, ExcuseForm
from attendance.models import AttendanceSheet, AttendanceStatus, Slot
from attendance.services import sheets as sheet_services
from core.formatting import datetime_long, time_short
from enrollment.models import Application

# Without JavaScript the sheet's page reloads at least this often (and just after the code turns).
NO_SCRIPT_REFRESH_SECONDS = 10
# The script asks for the live fragment this often.
LIVE_POLL_SECONDS = 3


def _forbidden(request):
    return render(
        request,
        "attendance/forbidden.html",
        {
            "message": _(
                "L'espace formateur est réservé aux formateurs et formatrices du CNAM Mayotte. "
                "Si vous animez une session, demandez au CNAM d'activer votre compte de formateur."
            )
        },
        status=403,
    )


def trainer_view(view):
    """Signed in, and an active trainer: the view gets the trainer; anyone else a French 403."""

    @wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        trainer = presence.trainer_of(request.user)
        if trainer is None:
            return _forbidden(request)
        return view(request, trainer, *args, **kwargs)

    return wrapper


def _own_sheet(trainer, pk: int) -> AttendanceSheet:
    """A sheet of a session the trainer runs; any other is not found (its existence is not told)."""
    sheet = presence.sheet_for_page(pk)
    if sheet is None or not trainer.sessions.filter(pk=sheet.slot.session_id).exists():
        raise Http404(_("Cette feuille d'émargement n'existe pas ou ne concerne pas vos sessions."))
    return sheet


@trainer_view
@require_GET
def home(request, trainer):
    now = timezone.now()
    today = timezone.localdate(now)
    slots = []
    for slot in presence.trainer_slots_on(trainer=trainer, day=today):
        # The reverse one-to-one, fetched with the slot (select_related): no query either way.
        slot.sheet_or_none = getattr(slot, "sheet", None)
        slot.action = _slot_action_of(slot, now)
        slot.times = presence.slot_times(slot)
        slot.place = presence.slot_place(slot)
        slots.append(slot)
    return render(
        request,
        "attendance/trainer_home.html",
        {
            "trainer": trainer,
            "sessions": list(presence.trainer_sessions(trainer=trainer)),
            "slots": slots,
            "today": today,
        },
    )


def _slot_action_of(slot: Slot, now) -> dict:
    opens, closes = presence.sign_window(slot)
    if slot.sheet_or_none is not None:
        return {"kind": "sheet", "sheet": slot.sheet_or_none}
    if slot.state == Slot.State.CANCELLED:
        return {"kind": "cancelled"}
    if now < opens:
        return {"kind": "later", "opens": time_short(opens)}
    if now > closes:
        return {"kind": "over"}
    return {"kind": "open"}


@trainer_view
@require_POST
def sheet_open(request, trainer, slot_pk: int):
    slot = get_object_or_404(Slot.objects.select_related("session"), pk=slot_pk, session__trainers=trainer)
    try:
        sheet = sheet_services.sheet_open(slot=slot, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("attendance:trainer_home")
    return redirect("attendance:trainer_sheet", pk=sheet.pk)


def qr_svg(url: str) -> SafeString:
    """The QR code of ``url`` as inline SVG, scaled by CSS (its viewBox), dark on light for any theme."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="attendance-qr__image",
        lineclass=None,
        title=_("QR code d'émargement"),
    )
    # segno's own markup, no user input in it (the URL is ours, encoded as modules).
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def _live_context(request, sheet: AttendanceSheet) -> dict:
    now = timezone.now()
    roster = presence.sheet_roster(sheet)
    context = {
        "sheet": sheet,
        "slot": sheet.slot,
        "roster": roster,
        "signed_count": sum(1 for row in roster if row.line is not None and row.line.signed_at is not None),
        "is_open": sheet.state == AttendanceSheet.State.OPEN,
        "quick_marks": [(status.value, status.label) for status in QUICK_MARKS],
        "now": now,
    }
    if context["is_open"]:
        step = codes.step_at(now)
        token = codes.token_for(sheet.pk, sheet.secret, step)
        url = settings.SITE_URL + reverse("attendance:sign_token", args=[token])
        # Drawn once per step, whichever trainer's page or poll asks first.
        qr_key = f"attendance:qr:{sheet.pk}:{step}"
        qr = cache.get(qr_key)
        if qr is None:
            qr = qr_svg(url)
            cache.set(qr_key, qr, timeout=2 * codes.step_seconds())
        window_opens, window_closes = presence.sign_window(sheet.slot)
        context |= {
            "code": codes.code_for(sheet.secret, step),
            "qr": qr,
            "sign_url": url,
            "seconds_left": codes.seconds_left(now),
            "within_window": window_opens <= now <= window_closes,
            "window_closes": datetime_long(window_closes),
            "window_opens": datetime_long(window_opens),
        }
    return context


@trainer_view
@require_GET
def sheet_page(request, trainer, pk: int):
    sheet = _own_sheet(trainer, pk)
    context = _live_context(request, sheet)
    context |= {
        "live_url": reverse("attendance:trainer_sheet_live", args=[sheet.pk]),
        "poll_seconds": LIVE_POLL_SECONDS,
        "label": presence.slot_label(sheet.slot),
        "place": presence.slot_place(sheet.slot),
    }
    if context["is_open"]:
        context["refresh_seconds"] = min(context["seconds_left"] + 1, NO_SCRIPT_REFRESH_SECONDS)
    return render(request, "attendance/trainer_sheet.html", context)


@trainer_view
@require_GET
def sheet_live(request, trainer, pk: int):
    """The part of the sheet's page that changes: the code, the QR code, the list (fixed queries)."""
    sheet = _own_sheet(trainer, pk)
    return render(request, "attendance/_sheet_live.html", _live_context(request, sheet))


def _roster_application(sheet: AttendanceSheet, application_pk: int) -> Application:
    application = (
        Application.objects.select_related("applicant__applicant_profile")
        .filter(pk=application_pk, session_id=sheet.slot.session_id)
        .first()
    )
    if application is None:
        raise Http404(_("Cette personne ne figure pas sur la feuille."))
    return application


@trainer_view
@require_POST
def mark(request, trainer, pk: int, application_pk: int):
    sheet = _own_sheet(trainer, pk)
    application = _roster_application(sheet, application_pk)
    status = request.POST.get("status", "")
    if status not in {quick.value for quick in QUICK_MARKS}:
        messages.error(request, _("Choisissez une présence parmi celles proposées."))
        return redirect("attendance:trainer_sheet", pk=sheet.pk)
    try:
        sheet_services.attendance_mark(sheet=sheet, application=application, status=status, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s : %(status)s.")
            % {"name": presence.person_name(application), "status": AttendanceStatus(status).label},
        )
    return redirect(reverse("attendance:trainer_sheet", args=[sheet.pk]) + f"#personne-{application.pk}")


@trainer_view
@require_http_methods(["GET", "POST"])
def excuse(request, trainer, pk: int, application_pk: int):
    sheet = _own_sheet(trainer, pk)
    application = _roster_application(sheet, application_pk)
    form = ExcuseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sheet_services.attendance_mark(
                    sheet=sheet,
                    application=application,
                    status=AttendanceStatus.EXCUSED,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("%(name)s : absence excusée.") % {"name": presence.person_name(application)}
                )
                return redirect(reverse("attendance:trainer_sheet", args=[sheet.pk]) + f"#personne-{application.pk}")
        status = 400
    return render(
        request,
        "attendance/trainer_excuse.html",
        {
            "sheet": sheet,
            "application": application,
            "name": presence.person_name(application),
            "label": presence.slot_label(sheet.slot),
            "form": form,
        },
        status=status,
    )


@trainer_view
@require_http_methods(["GET", "POST"])
def close(request, trainer, pk: int):
    sheet = _own_sheet(trainer, pk)
    if sheet.state == AttendanceSheet.State.CLOSED:
        messages.info(request, _("Cette feuille d'émargement est déjà close."))
        return redirect("attendance:trainer_sheet", pk=sheet.pk)
    form = CloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # The password re-typed is counted as django-allauth counts a re-authentication.
        if not ratelimit.consume(request, action="reauthenticate", user=request.user):
            form.add_error(None, _("Trop de tentatives : réessayez dans quelques minutes."))
            status = 429
        elif form.is_valid():
            try:
                sheet_services.sheet_close(sheet=sheet, user=request.user, password=form.cleaned_data["password"])
            except ValidationError as error:
                form.add_error("password" if error.code == "wrong_password" else None, error)
            else:
                messages.success(
                    request,
                    _("La feuille est close et contresignée ; son PDF est en préparation pour le CNAM."),
                )
                return redirect("attendance:trainer_sheet", pk=sheet.pk)
            status = 400
        else:
            status = 400
    roster = presence.sheet_roster(sheet)
    unmarked = [row.name for row in roster if row.line is None]
    return render(
        request,
        "attendance/trainer_close.html",
        {"sheet": sheet, "label": presence.slot_label(sheet.slot), "form": form, "unmarked": unmarked},
        status=status,
    )
