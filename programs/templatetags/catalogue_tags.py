from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def apply_url(session) -> str:
    """URL of the application form for ``session``, or "" while the enrollment flow is not routed."""
    try:
        return reverse("enrollment:apply", args=[session.pk])
    except NoReverseMatch:
        return ""
