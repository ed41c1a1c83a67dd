from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, str]:
    return {"SITE_NAME": "CNAM Mayotte — Formations", "SITE_URL": settings.SITE_URL}
