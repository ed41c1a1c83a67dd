"""What makes the public pages' cached fragments stale (core.fragments): the catalogue changing.

(The centre's record, in every page's footer, bumps the same scope: centre.selectors.)

Any row of this app saved or deleted (a programme edited, a session's capacity, dates or
results, a site, the training body's record that every programme page shows), any of their
many-to-many links, and every seat move (``enrollment.seats.lock_sessions``
calls ``catalogue_changed``) bump the catalogue's version once the transaction commits.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core import fragments

SCOPE = fragments.PUBLIC


def catalogue_changed() -> None:
    fragments.bump(SCOPE)


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def connect(models) -> None:
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-saved-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-deleted-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _changed,
                sender=field.remote_field.through,
                dispatch_uid=f"catalogue-linked-{field.remote_field.through._meta.label}",
            )
