"""The staff pages of applications and VAE requests (Django autodiscovers this package)."""

from . import applications, vae  # noqa: F401  (registers the model admins)
