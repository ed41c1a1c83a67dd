"""The private calendar addresses: made when their owner first sees them, renewed on request."""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import fragments
from enrollment.models import CalendarFeed
from enrollment.models.calendars import new_token
from partners.models import PartnerMember

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _owner(user: "User | None", member: PartnerMember | None) -> dict:
    if (user is None) == (member is None):
        raise TypeError("A calendar feed belongs to a user or to a partner member.")
    return {"user": user} if user is not None else {"member": member}


def calendar_feed_get(*, user: "User | None" = None, member: PartnerMember | None = None) -> CalendarFeed:
    """The owner's feed, made with a new token the first time it is asked for."""
    owner = _owner(user, member)
    feed = CalendarFeed.objects.filter(**owner).first()
    if feed is not None:
        return feed
    feed = CalendarFeed(**owner)
    feed.set_token(new_token())
    try:
        with transaction.atomic():
            feed.save()
    except IntegrityError:
        # The same person's other tab made it first: theirs is the one.
        return CalendarFeed.objects.get(**owner)
    # Made while the page showing it is rendered: nothing kept shows another address yet.
    return feed


def calendar_feed_renew(*, user: "User | None" = None, member: PartnerMember | None = None) -> CalendarFeed:
    """Give the owner's feed a new token: the old address answers 404 from now on."""
    owner = _owner(user, member)
    person_id = user.pk if user is not None else member.user_id if member is not None else None
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(**owner).first() or CalendarFeed(**owner)
        feed.set_token(new_token())
        feed.renewed_at = timezone.now()
        feed.save()
        # The pages that show the address (the applicant's space, the partner dashboard) are the
        # person's own: they show the new one at once.
        if person_id is not None:
            fragments.bump(fragments.person_scope(person_id))
    return feed
