"""The admin's « Voir sur le site » link, followed only by staff who may read the object in the admin.

Django's own view (``contenttypes.views.shortcut``) redirects any staff account to the public
address of any object by its content type and id: an account with no role would learn, id after
id, which objects exist and their addresses (the slug of a programme not yet published).
"""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse


def admin_view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """``shortcut``, after the model admin's view permission: refused (403) before any lookup of the object."""
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, ValueError) as error:
        raise Http404 from error
    if model is None:  # the content type of a model the code no longer has
        raise Http404
    try:
        model_admin = admin.site.get_model_admin(model)
    except NotRegistered as error:
        raise PermissionDenied from error
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    return shortcut(request, content_type_id, object_id)
