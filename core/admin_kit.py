"""Small pieces the admin modules share: private file downloads (and the deposited documents
behind them), actions that ask for input first, and the audit trail every admin action leaves on
the objects it touched."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_permission_codename
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms import Form
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import date_long, datetime_long
from core.storage import private_file_response

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin, _FieldsetSpec
    from django.contrib.auth.models import AnonymousUser, User

    from core.models import PrivateDocument

    # What the mixins extend, for the type checker only: at run time they stay plain classes.
    _AdminBase = BaseModelAdmin[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = _ModelAdminBase = object

# --- Dates in the portal's one style ------------------------------------------------------------

LOCAL_DATE_SUFFIX = "_local_display"


class LocalDatesMixin(_AdminBase):
    """Show the date and time fields of a list or a read-only form as the rest of the portal does.

    Django's admin would write "1 janvier 2027 23:59"; list columns and read-only fields here read
    "1er janvier 2027 à 23 h 59" (Mayotte time), through ``core.formatting``. Each date field named
    in ``list_display``, ``readonly_fields``, ``fields`` or ``fieldsets`` is swapped for a display
    of the same label, sorted on the same column; editable date inputs are left as they are.
    """

    def _date_field(self, name: object) -> models.DateField | None:
        if not isinstance(name, str):
            return None
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return field if isinstance(field, models.DateField) else None

    def _local(self, name: Any) -> Any:
        return f"{name}{LOCAL_DATE_SUFFIX}" if self._date_field(name) is not None else name

    def __getattr__(self, name: str) -> Callable[[models.Model], str]:
        if not name.endswith(LOCAL_DATE_SUFFIX):
            raise AttributeError(name)
        field = self._date_field(name.removesuffix(LOCAL_DATE_SUFFIX))
        if field is None:
            raise AttributeError(name)
        write = datetime_long if isinstance(field, models.DateTimeField) else date_long

        @admin.display(description=field.verbose_name, ordering=field.name)
        def display(obj: models.Model) -> str:
            value = getattr(obj, field.name, None)
            return write(value) if value is not None else self.get_empty_value_display()

        return display

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        # Only a model admin has a list (and calls this); an inline never does.
        return [self._local(name) for name in super().get_list_display(request)]  # type: ignore[misc]

    def _readonly_dates(self, request: HttpRequest, obj: Any) -> set[str]:
        return {name for name in super().get_readonly_fields(request, obj) if self._date_field(name) is not None}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [self._local(name) for name in super().get_readonly_fields(request, obj)]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...] | None:
        # The form must not offer, as an input, the field its read-only display replaces.
        excluded = super().get_exclude(request, obj)
        dates = self._readonly_dates(request, obj)
        return [*(excluded or []), *dates] if dates else excluded

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> "_FieldsetSpec":
        dates = self._readonly_dates(request, obj)
        return [
            (title, {**options, "fields": [self._local_entry(entry, dates) for entry in options["fields"]]})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def _local_entry(self, entry: Any, dates: set[str]) -> Any:
        if isinstance(entry, (list, tuple)):
            return type(entry)(self._local_entry(item, dates) for item in entry)
        return self._local(entry) if entry in dates else entry


class PrivateDocumentInline(LocalDatesMixin, admin.TabularInline):
    """A read-only list of the documents a person deposited, each a link to its download view.

    Set ``model``, ``owner_field`` (the document's foreign key) and ``download_url_name``: the
    admin URL of a ``DocumentDownloadMixin`` that takes the owner's and the document's ids.
    """

    owner_field = ""
    download_url_name = ""
    extra = 0
    can_delete = False
    fields = readonly_fields = ("kind", "download", "content_type", "size", "uploaded_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("fichier"))
    def download(self, obj: "PrivateDocument") -> str:
        url = reverse(self.download_url_name, args=[getattr(obj, f"{self.owner_field}_id"), obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class DocumentDownloadMixin(_ModelAdminBase):
    """A model admin's view streaming one of an object's documents, to staff allowed to view both.

    Viewing the object is not enough: documents (an ID card, a diploma) need the document model's
    own view permission, which a role reading applications for other reasons does not have.

    Set ``document_model``, ``document_owner_field`` (its foreign key to the admin's model) and
    ``document_url_name`` (the URL's name, under the ``admin`` namespace).
    """

    document_model: "type[PrivateDocument]"
    document_owner_field = ""
    document_url_name = ""

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:owner_id>/documents/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name=self.document_url_name,
            ),
            *super().get_urls(),
        ]

    def has_document_permission(self, request: HttpRequest) -> bool:
        opts = self.document_model._meta
        return self.has_view_permission(request) and request.user.has_perm(
            f"{opts.app_label}.{get_permission_codename('view', opts)}"
        )

    def document_view(self, request: HttpRequest, owner_id: int, document_id: int) -> FileResponse:
        if not self.has_document_permission(request):
            raise PermissionDenied
        document = get_object_or_404(
            self.document_model, pk=document_id, **{f"{self.document_owner_field}_id": owner_id}
        )
        return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)


def log_admin_action(
    user: "User | AnonymousUser | None", objects: Iterable[models.Model], message: str, *, action_flag: int = CHANGE
) -> None:
    """Keep, in each object's admin history, who did what from the back office (one insert for all)."""
    objects = list(objects)
    if objects and user is not None and user.pk:
        LogEntry.objects.log_actions(user.pk, objects, action_flag, change_message=str(message))


def form_action(
    modeladmin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    queryset: Iterable[Any],
    *,
    form_class: type[Form],
    title: str,
    apply: Callable[[Any, dict[str, Any]], object],
    log: Callable[[Any, dict[str, Any]], str | None] | None = None,
) -> TemplateResponse | None:
    """Show ``form_class`` on an intermediate page; once valid, call ``apply(obj, cleaned_data)`` per object.

    Each object succeeds or is refused on its own, and staff see every outcome. ``log(obj, cleaned_data)``
    gives the audit message of a done object.
    """
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        data = form.cleaned_data
        report_each(
            modeladmin,
            request,
            queryset,
            lambda obj: apply(obj, data),
            log=None if log is None else (lambda obj: log(obj, data)),
        )
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


def apply_logged(
    request: HttpRequest,
    obj: Any,
    apply: Callable[[Any], object],
    *,
    log: Callable[[Any], str | None] | None = None,
) -> None:
    """Run ``apply(obj)`` and keep ``log(obj)`` (if any) in its admin history, both or neither.

    The service's ``ValidationError`` (a French refusal) goes to the caller, with nothing written.
    """
    with transaction.atomic():
        apply(obj)
        message = log(obj) if log is not None else None
        if message:
            log_admin_action(request.user, [obj], message)


@dataclass(frozen=True)
class Refusal:
    """An object a service refused, with its French reason."""

    obj: Any
    reason: str


@dataclass(frozen=True)
class EachReport:
    """What ``report_each`` did: the objects done, and those refused with the reason."""

    done: list[Any]
    refused: list[Refusal]


def report_each(
    modeladmin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    objects: Iterable[Any],
    apply: Callable[[Any], object],
    *,
    log: Callable[[Any], str | None] | None = None,
) -> EachReport:
    """Run ``apply`` on each object; list what was done and what was refused, with the reason.

    ``log(obj)`` returns the French message kept in a done object's history (with who and when), or
    nothing when the service called already keeps that trail.
    """
    done: list[Any] = []
    refused: list[Refusal] = []
    for obj in objects:
        try:
            apply_logged(request, obj, apply, log=log)
        except ValidationError as error:
            refused.append(Refusal(obj, " ".join(error.messages)))
        else:
            done.append(obj)
    if done:
        modeladmin.message_user(
            request,
            ngettext("Fait pour %(count)d élément : %(items)s", "Fait pour %(count)d éléments : %(items)s", len(done))
            % {"count": len(done), "items": ", ".join(map(str, done))},
            messages.SUCCESS,
        )
    for refusal in refused:
        modeladmin.message_user(
            request,
            _("Refusé — %(item)s : %(reason)s") % {"item": refusal.obj, "reason": refusal.reason},
            messages.ERROR,
        )
    return EachReport(done=done, refused=refused)
