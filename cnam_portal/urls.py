from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from backoffice import views as admin_views
from core import views
from core.admin_login import admin_login
from core.admin_view_on_site import admin_view_on_site
from programs.sitemaps import sitemap
from programs.views import home

admin.site.site_header = "CNAM Mayotte — administration"
admin.site.site_title = "CNAM Mayotte"
admin.site.index_title = "Back-office des formations"

# French pages in the portal's design for a bad request and for django-allauth's rate limits.
handler400 = "core.errors.bad_request"
handler429 = "core.errors.rate_limited"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ready", views.healthz_ready, name="healthz_ready"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("admin/rapports/", admin_views.report, name="admin_report"),
    # The admin's sign-in, throttled like the portal's; the admin's own URL names stay.
    path("admin/login/", admin_login, name="admin_login"),
    # The admin's « Voir sur le site » link, for staff who may read the object; the admin's URL name stays.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_view_on_site),
        name="admin_view_on_site",
    ),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("formations/", include("programs.urls")),
    path("candidatures/", include("enrollment.urls")),
    path("partenaires/", include("partner_space.urls")),
    # The trainer's space (/formateur/) and the trainees' signing pages (/emargement/).
    path("", include("attendance.urls")),
    # The person's follow-up of their course: state, completion rate, funders' documents.
    path("suivi/", include("attendance.urls_followup")),
    path("", include("centre.urls")),
]

if settings.BENCH_BARE_VIEW:
    urlpatterns.insert(0, path("_bench/bare", views.bench_bare, name="bench_bare"))
