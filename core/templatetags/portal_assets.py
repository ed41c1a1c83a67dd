"""The design system's stylesheets and scripts, with integrity hashes of the files served."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.static_assets import integrity

register = template.Library()

DSFR_CSS = "dsfr/dist/dsfr/dsfr.min.css"
# Instead of the DSFR's utility.min.css (every icon): the icons and Latin fonts we use (core.dsfr_subset).
DSFR_SUBSET_CSS = "dsfr-subset/portal-dsfr.css"
DSFR_MODULE_JS = "dsfr/dist/dsfr/dsfr.module.min.js"
DSFR_NOMODULE_JS = "dsfr/dist/dsfr/dsfr.nomodule.min.js"


@register.simple_tag
def dsfr_stylesheets() -> SafeString:
    return format_html_join(
        "\n",
        '<link rel="stylesheet" href="{}" integrity="{}">',
        ((static(name), integrity(name)) for name in (DSFR_CSS, DSFR_SUBSET_CSS)),
    )


@register.simple_tag
def dsfr_scripts(nonce: str = "") -> SafeString:
    return format_html(
        '<script type="module" src="{}" integrity="{}" nonce="{}"></script>\n'
        '<script nomodule src="{}" integrity="{}" nonce="{}"></script>',
        static(DSFR_MODULE_JS),
        integrity(DSFR_MODULE_JS),
        nonce,
        static(DSFR_NOMODULE_JS),
        integrity(DSFR_NOMODULE_JS),
        nonce,
    )


@register.simple_tag
def portal_script(name: str, nonce: str = "") -> SafeString:
    """One of the portal's own scripts (static/js/), run once the page is parsed."""
    return format_html(
        '<script src="{}" integrity="{}" nonce="{}" defer></script>', static(name), integrity(name), nonce
    )
