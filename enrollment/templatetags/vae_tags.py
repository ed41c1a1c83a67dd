"""The "Mes demandes de VAE" section of the applicant space brings its own rows (one query)."""

from django import template

from ..selectors_vae import vae_requests_of

register = template.Library()


@register.simple_tag
def my_vae_requests(user):
    return vae_requests_of(user=user)
