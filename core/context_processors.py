from django.conf import settings


def portal(request):
    return {"SITE_NAME": "CNAM Mayotte — Formations", "SITE_URL": settings.SITE_URL}
