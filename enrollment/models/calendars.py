"""Private calendar addresses: a person's own sessions, or a partner référent's staff's.

Calendar applications subscribe to an address and fetch it on their own, without signing in,
so the address itself is the secret: a long random token, shown to its owner in their space and
renewed there (the old address then answers 404). It is looked up by its SHA-256 digest, so
the lookup's timing says nothing of the token, then compared in constant time.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
        verbose_name=_("candidat"),
    )
    member = models.OneToOneField(
        "partners.PartnerMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
        verbose_name=_("référent du partenaire"),
    )
    token = models.CharField(_("jeton"), max_length=64)
    digest = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    renewed_at = models.DateTimeField(_("renouvelé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda privé")
        verbose_name_plural = _("agendas privés")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, member__isnull=True) | Q(user__isnull=True, member__isnull=False),
                name="calendar_feed_one_owner",
                violation_error_message=_("Un agenda privé appartient soit à un candidat, soit à un référent."),
            ),
        ]

    def __str__(self):
        return str(_("Agenda privé n° %(pk)s") % {"pk": self.pk})

    def set_token(self, token: str) -> None:
        self.token = token
        self.digest = token_digest(token)

    def matches(self, token: str) -> bool:
        return secrets.compare_digest(self.token.encode(), token.encode())
