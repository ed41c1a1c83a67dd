"""The "Mes demandes de VAE" section of the applicant space brings its own rows (one query)."""

from django import template

from ..selectors_vae import stage_badge, vae_requests_of

register = template.Library()


@register.simple_tag
def my_vae_requests(user):
    requests = vae_requests_of(user=user)
    for vae_request in requests:
        vae_request.badge_class = stage_badge(vae_request)
    return requests
