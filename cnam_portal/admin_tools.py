"""Small pieces the admin modules share: private file downloads and actions that ask for input first."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def private_file_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """Stream a file of the private storage as an attachment, never sniffed as something else."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def form_action(modeladmin, request, queryset, *, form_class, title: str, apply):
    """Show ``form_class`` on an intermediate page; once valid, call ``apply(obj, cleaned_data)`` per object.

    Each object succeeds or is refused on its own, and staff see every outcome.
    """
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        report_each(modeladmin, request, queryset, lambda obj: apply(obj, form.cleaned_data))
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": list(queryset),
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/intermediate_form.html", context)


def report_each(modeladmin, request, objects, apply) -> tuple[list, list]:
    """Run ``apply`` on each object; list what was done and what was refused, with the reason."""
    done, refused = [], []
    for obj in objects:
        try:
            apply(obj)
        except ValidationError as error:
            refused.append((obj, " ".join(error.messages)))
        else:
            done.append(obj)
    if done:
        modeladmin.message_user(
            request,
            _("Fait pour %(count)d élément(s) : %(items)s") % {"count": len(done), "items": ", ".join(map(str, done))},
            messages.SUCCESS,
        )
    for obj, reason in refused:
        modeladmin.message_user(
            request, _("Refusé — %(item)s : %(reason)s") % {"item": obj, "reason": reason}, messages.ERROR
        )
    return done, refused
