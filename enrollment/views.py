from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Application


@login_required
@require_GET
def space(request):
    applications = (
        Application.objects.filter(applicant=request.user)
        .select_related("session__programme", "session__site")
        .order_by("-submitted_at")
    )
    return render(request, "enrollment/space.html", {"applications": applications})
