import datetime
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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from centre.selectors import training_body
from core import fragments
from enrollment.selectors import sessions_eligibility

from . import calendars, exports, freshness, lheo
from .forms import CatalogueFilterForm
from .models import Programme, Session
from .selectors import home_highlights, programme_catalogue, programme_page, programme_results

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
        context = {
            "programme": programme,
            "sessions": programme.public_sessions,
            "now": now,
            # The training body is the centre: its record names it, its identifiers and its référent handicap.
            "training_body": training_body(),
            "results": programme_results(programme_id=programme.pk, today=timezone.localdate(now)),
        }
        return {
            "body": render_to_string("programs/_programme_body.html", context, request),
            "json_ld": json_ld_script(course_json_ld(programme)),
            "title": programme.title,
            "summary": programme.summary,
            # The canonical address and link previews': the portal's, whatever Host the request named.
            "url": settings.SITE_URL + programme.get_absolute_url(),
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
    # The values Google's course info lists (schema.org takes any text label).
    if session.site.is_remote:
        return "Online"
    if programme.modality == Programme.Modality.HYBRID:
        return "Blended"
    return "Onsite"


def _hours(hours: int | float) -> str:
    """An ISO 8601 duration of ``hours`` to the minute: PT120H, PT3H30M."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return f"PT{whole}H{rest}M" if rest else f"PT{whole}H"


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
    """A Saturday session's weekly pace, when its hours are known.

    Google's course info wants a schedule whole (how often, how many times, how long each
    time) or not at all: only a Saturday session's is known; every session states its workload.
    """
    if session.rhythm != session.Rhythm.SATURDAY or not session.hours:
        return None
    first_saturday = session.start_date + datetime.timedelta(days=(5 - session.start_date.weekday()) % 7)
    if first_saturday > session.end_date:
        return None
    saturdays = (session.end_date - first_saturday).days // 7 + 1
    schedule = {
        "@type": "Schedule",
        "repeatFrequency": "Weekly",
        "repeatCount": saturdays,
        "duration": _hours(session.hours / saturdays),
        "byDay": "https://schema.org/Saturday",
        "startDate": session.start_date.isoformat(),
        "endDate": session.end_date.isoformat(),
    }
    if session.schedule:
        schedule["description"] = session.schedule
    return schedule


def course_json_ld(programme: Programme) -> dict:
    """schema.org ``Course`` of a programme with its public sessions, for search engines."""
    url = settings.SITE_URL + programme.get_absolute_url()
    credential = programme.get_certification_type_display()
    prerequisites = _("Niveau d'entrée : %(level)s.") % {"level": programme.get_entry_level_display()}
    if programme.prerequisites:
        prerequisites = f"{prerequisites} {programme.prerequisites}"
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
            "courseWorkload": _hours(session.hours or programme.duration_hours),
            "url": settings.SITE_URL + session.get_absolute_url(),
        }
        if session.schedule:
            instance["description"] = session.schedule
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
        "timeRequired": _hours(programme.duration_hours),
        "inLanguage": "fr",
        "availableLanguage": ["fr"],
        "coursePrerequisites": prerequisites,
        # Google's course info requires an offer: a price not fixed yet is still a price to pay.
        "offers": {"@type": "Offer", "category": "Free" if programme.is_free else "Paid"},
    }
    if programme.price_eur is not None:
        data["offers"].update(price=f"{programme.price_eur:.2f}", priceCurrency="EUR")
    if instances:
        data["hasCourseInstance"] = instances
    if programme.code:
        data["courseCode"] = programme.code
    if programme.published_at:
        data["datePublished"] = timezone.localdate(programme.published_at).isoformat()
    if funding := programme.funding_route_labels():
        data["financialAidEligible"] = [str(label) for label in funding]
    return data


@require_GET
@fragments.visitor_page(CATALOGUE_SCOPE, "home")
def home(request):
    def build() -> dict[str, str]:
        return {"body": render_to_string("_home_body.html", home_highlights(), request)}

    rendered = fragments.fragment(CATALOGUE_SCOPE, "home", request.user.is_authenticated, build)
    return render(request, "home.html", {"home_body": mark_safe(rendered["body"])})


@require_GET
def session_calendar(request, pk):
    """A public session's ``.ics``, for a calendar application; a reserved or draft session is not found.

    Kept like the catalogue's fragments (a session edited bumps the scope): a long session's
    file holds hundreds of course days, and anyone may ask for it.
    """

    def build() -> dict:
        session = get_object_or_404(Session.objects.public().select_related("programme", "site"), pk=pk)
        return {"content": calendars.session_calendar(session), "filename": calendars.session_filename(session)}

    kept = fragments.fragment(CATALOGUE_SCOPE, "session-calendar", pk, build)
    return calendars.calendar_response(kept["content"], filename=kept["filename"])


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
