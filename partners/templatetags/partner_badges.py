"""The DSFR badge colour of each convention state and PDF version state: one map per enum, for every page."""

from django import template

from ..models import Convention, ConventionDocument

register = template.Library()

# A draft or expired convention keeps the neutral grey badge.
CONVENTION_STATE_BADGES = {
    Convention.State.TO_SIGN: "fr-badge--new",
    Convention.State.SIGNED: "fr-badge--success",
    Convention.State.TERMINATED: "fr-badge--error",
}
CONVENTION_DOCUMENT_BADGES = {
    ConventionDocument.State.PENDING: "fr-badge--info",
    ConventionDocument.State.READY: "fr-badge--success",
    ConventionDocument.State.FAILED: "fr-badge--error",
}


@register.filter
def convention_badge(state: str) -> str:
    """``{{ convention.state|convention_badge }}`` → ``fr-badge--success``."""
    return CONVENTION_STATE_BADGES.get(state, "")


@register.filter
def convention_document_badge(state: str) -> str:
    """``{{ convention.latest_document_state|convention_document_badge }}``; no version yet: grey."""
    return CONVENTION_DOCUMENT_BADGES.get(state, "")
