"""The « Partager » links of a programme page: plain links, so they work without JavaScript."""

from urllib.parse import quote

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def share_links(programme) -> dict[str, str]:
    """The programme's public address and the WhatsApp and e-mail links that send it."""
    url = settings.SITE_URL + programme.get_absolute_url()
    subject = _("Formation du CNAM Mayotte : %(title)s") % {"title": programme.title}
    body = _("Cette formation du CNAM Mayotte peut vous intéresser : %(title)s") % {"title": programme.title}
    message = f"{body}\r\n{url}"
    return {
        "url": url,
        "whatsapp": "https://wa.me/?text=" + quote(f"{programme.title} {url}", safe=""),
        # RFC 6068: every reserved character percent-encoded, a line break as CRLF.
        "email": f"mailto:?subject={quote(subject, safe='')}&body={quote(message, safe='')}",
    }
