"""Reads of the centre record and of the places where it teaches."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Exists, OuterRef

from core import fragments
from programs.models import Session, Site

from .models import AccessibilityState, Centre, map_search_url

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The footer of every page shows the accessibility state; it reads this key, never the database.
ACCESSIBILITY_STATE_KEY = "centre:accessibility-state"


@dataclass(frozen=True)
class ContactSite:
    name: str
    commune: str
    address: str
    accessibility: str
    map_url: str


def centre_current() -> Centre:
    """The centre record (one query), or its first content if the row is missing.

    Reading it also refreshes the footer's copy of the accessibility state, so a lost
    cache heals on the next visit of a centre page.
    """
    centre = training_body()
    remember_accessibility_state(centre)
    return centre


def training_body() -> Centre:
    """The centre's record as the training body a programme page and the catalogue's exports name
    (one query, nothing written), or its first content if the row is missing."""
    return Centre.objects.first() or Centre()


def remember_accessibility_state(centre: Centre) -> None:
    if cache.get(ACCESSIBILITY_STATE_KEY) == centre.accessibility_state:
        return
    cache.set(ACCESSIBILITY_STATE_KEY, centre.accessibility_state, timeout=None)
    # Every public page kept in the cache shows the footer's former state.
    fragments.bump_now(fragments.PUBLIC)


def footer_accessibility_state() -> "StrPromise":
    """The label of the declared state, for the footer, without any query.

    Until a centre page is read or the record saved after the cache was emptied, the
    footer shows the state the record starts with.
    """
    value = cache.get(ACCESSIBILITY_STATE_KEY)
    if value not in AccessibilityState.values:
        value = Centre._meta.get_field("accessibility_state").default
    return AccessibilityState(value).label


def contact_sites() -> list[ContactSite]:
    """In-person places where a public session is coming up, each with a map link (one query).

    Remote "sites" have no address, and a partner's premises hosting only the sessions
    reserved for its staff are not places to send the public to.
    """
    public_session_here = Session.objects.public().upcoming().filter(site=OuterRef("pk"))
    sites = Site.objects.filter(is_remote=False).filter(Exists(public_session_here)).order_by("commune", "name")
    return [
        ContactSite(
            name=site.name,
            commune=site.get_commune_display(),
            address=site.address,
            accessibility=site.accessibility,
            map_url=_site_map_url(site),
        )
        for site in sites
    ]


def _site_map_url(site: Site) -> str:
    # A map search finds a street address; a place's own name only helps when there is none.
    commune = site.get_commune_display()
    if not site.address:
        return map_search_url(site.name, commune)
    if commune.lower() in site.address.lower():
        return map_search_url(site.address)
    return map_search_url(site.address, commune)
