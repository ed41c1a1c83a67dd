"""The skip links and the breadcrumb of every page, drawn by django-dsfr's own templates."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("dsfr/breadcrumb.html")
def breadcrumb(current, *links):
    """Accueil, then ``links`` as (label, URL) pairs, then ``current``, the page itself.

    ``{% url 'programs:catalogue' as catalogue_url %}{% breadcrumb programme.title _("Catalogue") catalogue_url %}``
    (django-dsfr's ``dsfr_breadcrumb`` wants a dict, which a template cannot build).
    """
    if len(links) % 2:
        raise template.TemplateSyntaxError("breadcrumb: give each link as a label followed by its URL.")
    return {
        "self": {
            "links": [{"title": title, "url": url} for title, url in zip(links[::2], links[1::2], strict=True)],
            "current": current,
            "root_dir": reverse("home"),
            # One breadcrumb a page: a fixed id keeps the page's HTML the same from one request to the next.
            "id": "fil-ariane",
        }
    }


@register.inclusion_tag("dsfr/skiplinks.html")
def skiplinks():
    """The three quick accesses of the page frame (``base.html``): content, menu, footer."""
    return {
        "self": {
            "items": [
                {"link": "#contenu", "label": _("Contenu")},
                {"link": "#navigation-principale", "label": _("Menu")},
                {"link": "#pied-de-page", "label": _("Pied de page")},
            ]
        }
    }
