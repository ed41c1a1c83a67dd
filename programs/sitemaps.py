"""The sitemap search engines read: the public pages and every published programme.

Addresses come from ``settings.SITE_URL`` (not the sites framework's record nor the request's
Host header); a page no visitor may read (an application, the partner space, the admin)
never appears. A programme's date is its page's last change: the programme's or one of its
public sessions'.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import DateTimeField, Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core import fragments

from . import freshness
from .models import Programme

# The public pages that are not a programme's, by URL name.
PUBLIC_PAGES = (
    "home",
    "programs:catalogue",
    "centre:contact",
    "centre:accessibility",
    "centre:legal_notice",
    "centre:privacy",
)


class PortalSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return settings.SITE_URL.split("://", 1)[0]

    def get_domain(self, site=None):
        return settings.SITE_URL.split("://", 1)[1]


class PublicPagesSitemap(PortalSitemap):
    def items(self):
        return list(PUBLIC_PAGES)

    def location(self, item):
        return reverse(item)


class ProgrammeSitemap(PortalSitemap):
    def items(self):
        # A list, not a queryset: the paginator would count it first, a second query.
        public_session = Q(sessions__reserved_for__isnull=True)
        return list(
            Programme.objects.published()
            .annotate(
                page_changed_at=Greatest(
                    "updated_at",
                    Coalesce(Max("sessions__updated_at", filter=public_session), "updated_at"),
                    output_field=DateTimeField(),
                )
            )
            .only("slug", "updated_at")
            .order_by("slug")
        )

    def lastmod(self, programme):
        return programme.page_changed_at


SECTIONS = (PublicPagesSitemap, ProgrammeSitemap)


@require_GET
@fragments.visitor_page(freshness.SCOPE, "sitemap")
def sitemap(request):
    urls = [url for section in SECTIONS for url in section().get_urls()]
    return render(request, "sitemap.xml", {"urlset": urls}, content_type="application/xml; charset=utf-8")
