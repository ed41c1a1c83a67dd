"""What every app shares at the database level: the audit trail of a move, and deposited files.

Both are abstract: each app's concrete model adds its owner (an application, a VAE request).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HistoryEntry(models.Model):
    """One move of an application or a VAE request: who made it, when and why.

    Each concrete history adds its owner and the two fields of the move (``move_fields``: between
    statuses or between stages); ``from_label`` and ``to_label`` name them alike for the shared
    history table.
    """

    move_fields: tuple[str, str]

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        abstract = True

    @property
    def from_label(self) -> str:
        return getattr(self, f"get_{self.move_fields[0]}_display")()

    @property
    def to_label(self) -> str:
        return getattr(self, f"get_{self.move_fields[1]}_display")()


class PrivateDocument(models.Model):
    """A file a person deposited, kept in the private storage, with what its content was found to be.

    Each concrete document adds its owner, its ``kind`` choices and its ``file`` (the folder differs).
    """

    ALLOWED_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")

    original_name = models.CharField(_("nom d'origine"), max_length=200)
    content_type = models.CharField(_("format vérifié"), max_length=40)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_kind_display()} — {self.original_name}"

    @classmethod
    def document_checks(cls, prefix: str) -> list[models.CheckConstraint]:
        # Named per table, not through %(class)s: the names already stand in the migrations.
        return [
            models.CheckConstraint(
                condition=Q(content_type__in=cls.ALLOWED_CONTENT_TYPES), name=f"{prefix}_allowed_type"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name=f"{prefix}_not_empty"),
        ]
