"""The portal's addresses, plus one that raises, so a browser test sees the real 500 page."""

from django.urls import path

from cnam_portal import urls as portal_urls

SERVER_ERROR_PATH = "/essai-erreur-serveur/"


def fail(request):
    raise RuntimeError("Deliberate failure to render the 500 page.")


urlpatterns = [*portal_urls.urlpatterns, path(SERVER_ERROR_PATH.strip("/") + "/", fail)]

for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(portal_urls, _name):
        globals()[_name] = getattr(portal_urls, _name)
