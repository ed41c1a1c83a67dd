"""What search engines and link previews read in a public page's head.

Every address is made from ``settings.SITE_URL``, never from the request's Host header: a
visitor's page is kept and served to everyone (core.fragments), so an address taken from one
request's headers would reach every later visitor.
"""

from django import template
from django.conf import settings
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def site_url(path: str) -> str:
    """The portal's public address of ``path`` (an absolute path, as ``reverse`` gives)."""
    return settings.SITE_URL + path


@register.simple_tag(takes_context=True)
def canonical_link(context) -> SafeString:
    """``<link rel="canonical">`` to this page without its query string (filters, tracking tags)."""
    return format_html('<link rel="canonical" href="{}">', settings.SITE_URL + escape_uri_path(context.request.path))
