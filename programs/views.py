import json

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from enrollment.selectors import sessions_eligibility

from .forms import CatalogueFilterForm
from .models import Programme
from .selectors import home_highlights, programme_catalogue, programme_page

PAGE_SIZE = 20

# What json_script escapes: the JSON stays valid and cannot close its <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@require_GET
def catalogue(request):
    form = CatalogueFilterForm(request.GET)
    paginator = Paginator(programme_catalogue(**form.selector_filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "programs/catalogue.html",
        {
            "form": form,
            "query": form.cleaned_data.get("q", ""),
            "active_filters": form.active_filters(),
            "now": timezone.now(),
            "page_obj": page,
            "programmes": page.object_list,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        },
    )


@require_GET
def programme_detail(request, slug):
    programme = get_object_or_404(programme_page(), slug=slug)
    now = timezone.now()
    # Whether each session takes this person's application now, and if not why: read in bulk.
    eligibility = sessions_eligibility(user=request.user, sessions=programme.public_sessions, now=now)
    for session in programme.public_sessions:
        session.eligibility = eligibility[session.pk]
    return render(
        request,
        "programs/programme_detail.html",
        {
            "programme": programme,
            "sessions": programme.public_sessions,
            "now": now,
            "json_ld": json_ld_script(course_json_ld(programme)),
        },
    )


def json_ld_script(data: dict) -> str:
    """JSON for an inline <script>: escaped like json_script, so it is safe to mark as such."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))


def _course_mode(programme: Programme, session) -> str:
    if session.site.is_remote:
        return "online"
    if programme.modality == Programme.Modality.HYBRID:
        return "blended"
    return "onsite"


def _location(session) -> dict:
    site = session.site
    if site.is_remote:
        return {"@type": "VirtualLocation", "name": site.name}
    address = {
        "@type": "PostalAddress",
        "addressLocality": site.get_commune_display(),
        "addressRegion": "Mayotte",
        "addressCountry": "FR",
    }
    if site.address:
        address["streetAddress"] = site.address
    return {"@type": "Place", "name": site.name, "address": address}


def _schedule(session) -> dict | None:
    if not session.schedule:
        return None
    schedule = {
        "@type": "Schedule",
        "description": session.schedule,
        "startDate": session.start_date.isoformat(),
        "endDate": session.end_date.isoformat(),
    }
    if session.rhythm == session.Rhythm.SATURDAY:
        schedule.update(repeatFrequency="P1W", byDay="https://schema.org/Saturday")
    return schedule


def course_json_ld(programme: Programme) -> dict:
    """schema.org ``Course`` of a programme with its public sessions, for search engines."""
    url = settings.SITE_URL + programme.get_absolute_url()
    credential = programme.get_certification_type_display()
    if programme.certification_level:
        credential = f"{credential} — {programme.get_certification_level_display()}"
    instances = []
    for session in programme.public_sessions:
        instance = {
            "@type": "CourseInstance",
            "courseMode": _course_mode(programme, session),
            "startDate": session.start_date.isoformat(),
            "endDate": session.end_date.isoformat(),
            "location": _location(session),
            "url": settings.SITE_URL + session.get_absolute_url(),
        }
        schedule = _schedule(session)
        if schedule:
            instance["courseSchedule"] = schedule
        instances.append(instance)
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": programme.title,
        "description": programme.summary,
        "url": url,
        "provider": {"@type": "Organization", "name": "CNAM Mayotte", "url": settings.SITE_URL},
        "educationalCredentialAwarded": credential,
        "timeRequired": f"PT{programme.duration_hours}H",
        "inLanguage": "fr",
        "hasCourseInstance": instances,
    }
    if programme.code:
        data["courseCode"] = programme.code
    if programme.price_eur is not None:
        data["offers"] = {
            "@type": "Offer",
            "category": "Free" if programme.is_free else "Paid",
            "price": f"{programme.price_eur:.2f}",
            "priceCurrency": "EUR",
        }
    return data


@require_GET
def home(request):
    return render(request, "home.html", home_highlights())
