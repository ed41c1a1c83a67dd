"""The person's follow-up (``/suivi/``): each enrollment's state, completion rate and documents.

Every lookup is filtered by the signed-in person: someone else's document or enrollment is a 404.
"""

import contextlib
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from attendance import progress
from attendance.models import FunderDocument, RenderState
from attendance.services import funder_documents
from core.storage import private_file_response
from enrollment.models import Application, ApplicationStatus

PREPARING = gettext_lazy("Votre document est en cours de préparation : revenez dans quelques instants.")


@login_required
@never_cache
@require_GET
def space(request):
    followups = progress.followups_of_applicant(user=request.user, today=timezone.localdate())
    return render(request, "attendance/followup/space.html", {"followups": followups})


def _stream(document: FunderDocument):
    return private_file_response(
        document.file,
        filename=funder_documents.download_filename(document),
        content_type="application/pdf",
    )


def _preparing(request):
    messages.info(request, PREPARING)
    return redirect("attendance_followup:space")


@login_required
@never_cache
@require_GET
def document_download(request, pk):
    document = progress.own_document(user=request.user, pk=pk)
    if document is None:
        raise Http404(_("Ce document n'existe pas."))
    if document.render_state == RenderState.READY and document.file:
        with contextlib.suppress(Http404):  # the file went missing: it is rendered again below
            return _stream(document)
    with contextlib.suppress(ValidationError):  # nothing to render any more: the page says what there is
        funder_documents.document_request(application=document.application, kind=document.kind, month=document.month)
    return _preparing(request)


@login_required
@never_cache
@require_GET
def statement(request, reference, year, month):
    """A month's état de présence: streamed when ready, else asked for (the page says when to come back)."""
    application = get_object_or_404(
        Application, reference=reference, applicant=request.user, status=ApplicationStatus.ENROLLED
    )
    try:
        first = datetime.date(year, month, 1)
    except ValueError as error:
        raise Http404(_("Ce mois n'existe pas.")) from error
    document = FunderDocument.objects.filter(
        application=application, kind=FunderDocument.Kind.MONTHLY, month=first
    ).first()
    if document is not None and document.render_state == RenderState.READY and document.file:
        document.application = application
        with contextlib.suppress(Http404):
            return _stream(document)
    try:
        funder_documents.document_request(application=application, kind=FunderDocument.Kind.MONTHLY, month=first)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("attendance_followup:space")
    return _preparing(request)
