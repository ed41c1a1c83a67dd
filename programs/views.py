import json

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_safe

from core import fragments
from enrollment.selectors import sessions_eligibility

from . import exports, freshness, lheo
from .forms import CatalogueFilterForm
from .models import Programme
from .selectors import home_highlights, programme_catalogue, programme_page

PAGE_SIZE = 20
# What a catalogue edit or a seat move makes stale (programs.freshness).
CATALOGUE_SCOPE = freshness.SCOPE

# What json_script escapes: the JSON stays valid and cannot close its <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@require_GET
@fragments.visitor_page(CATALOGUE_SCOPE, "catalogue")
def catalogue(request):
    form = CatalogueFilterForm(request.GET)
    filters = form.selector_filters()
    query = form.cleaned_data.get("q", "")

    def build() -> dict[str, str]:
        paginator = Paginator(programme_catalogue(**filters), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        context = {
            "form": form,
            "query": query,
            "active_filters": form.active_filters(),
            "now": timezone.now(),
            "page_obj": page,
            "programmes": page.object_list,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        }
        return {"body": render_to_string("programs/_catalogue_body.html", context, request), "page": str(page.number)}

    # A signed-in person's results and filters are everyone's who asks the same (links included:
    # they repeat the query string), a refused filter's message excepted; a visitor's whole page
    # is kept already (visitor_page).
    cacheable = (
        request.user.is_authenticated
        and not form.errors
        and len(request.META.get("QUERY_STRING", "")) <= fragments.KEPT_QUERY_CHARS
    )
    parts = sorted(request.GET.lists())
    rendered = fragments.fragment(CATALOGUE_SCOPE, "catalogue", parts, build) if cacheable else build()
    return render(
        request,
        "programs/catalogue.html",
        {"catalogue_body": mark_safe(rendered["body"]), "query": query, "page_number": int(rendered["page"])},
    )


@require_GET
@fragments.visitor_page(CATALOGUE_SCOPE, "programme")
def programme_detail(request, slug):
    def build() -> dict[str, str]:
        programme = get_object_or_404(programme_page(), slug=slug)
        now = timezone.now()
        # Whether each session takes this person's application now, and if not why: read in bulk.
        eligibility = sessions_eligibility(user=request.user, sessions=programme.public_sessions, now=now)
        for session in programme.public_sessions:
            session.eligibility = eligibility[session.pk]
        context = {"programme": programme, "sessions": programme.public_sessions, "now": now}
        return {
            "body": render_to_string("programs/_programme_body.html", context, request),
            "json_ld": json_ld_script(course_json_ld(programme)),
            "title": programme.title,
            "summary": programme.summary,
            "domain_name": programme.domain.name,
            "domain_slug": programme.domain.slug,
        }

    # A visitor's whole page is kept (visitor_page); a signed-in person's says which sessions
    # they applied to, so its body is theirs.
    rendered = build()
    return render(
        request,
        "programs/programme_detail.html",
        {
            **rendered,
            "programme_body": mark_safe(rendered["body"]),
            "json_ld": mark_safe(rendered["json_ld"]),
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
@fragments.visitor_page(CATALOGUE_SCOPE, "home")
def home(request):
    def build() -> dict[str, str]:
        return {"body": render_to_string("_home_body.html", home_highlights(), request)}

    rendered = fragments.fragment(CATALOGUE_SCOPE, "home", request.user.is_authenticated, build)
    return render(request, "home.html", {"home_body": mark_safe(rendered["body"])})


# Staff fill the training body's record in minutes; aggregators come back within the hour anyway.
LHEO_RETRY_AFTER_SECONDS = 3600


@require_safe
def lheo_export(request):
    """The public catalogue in LHEO 2.3 (programs.lheo), kept until it changes (programs.exports).

    Answers 304 to a conditional request for the document held, and 503 with the French reason
    while the training body lacks what LHEO requires (SIRET, activity number, address).
    """
    try:
        document = exports.lheo_document()
    except lheo.MissingTrainingBodyData as missing:
        response = HttpResponse(str(missing), status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(LHEO_RETRY_AFTER_SECONDS)
        return response
    # The compressed copy, made once, for whoever accepts it (GZipMiddleware leaves it as it is).
    compressed = bool(re_accepts_gzip.search(request.headers.get("accept-encoding", "")))
    etag = f'W/"{document.etag}"' if compressed else f'"{document.etag}"'
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(document.last_modified),
        # Aggregators may keep it, asking again (cheaply: 304) before using it.
        "Cache-Control": "public, no-cache",
    }
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(document.last_modified))
    if not_modified is not None:
        for header, value in headers.items():
            not_modified[header] = value
        patch_vary_headers(not_modified, ("Accept-Encoding",))
        return not_modified
    path = document.gzip_path if compressed else document.path
    response = FileResponse(path.open("rb"), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lheo.xml"'
    if compressed:
        response["Content-Encoding"] = "gzip"
    for header, value in headers.items():
        response[header] = value
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
