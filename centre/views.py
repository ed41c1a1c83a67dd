"""The centre's public pages: how to reach it, and what the law requires a public site to say."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import centre_current, contact_sites


@require_GET
def contact(request):
    return render(request, "centre/contact.html", {"centre": centre_current(), "sites": contact_sites()})


@require_GET
def legal_notice(request):
    return render(request, "centre/legal_notice.html", {"centre": centre_current()})


@require_GET
def privacy(request):
    return render(request, "centre/privacy.html", {"centre": centre_current()})


@require_GET
def accessibility(request):
    return render(request, "centre/accessibility.html", {"centre": centre_current()})
