"""The DSFR badge colour of each application status and VAE stage: one map per enum, for every page."""

from django import template

from ..models import ApplicationStatus, VaeRequest, VaeResult, VaeStage

register = template.Library()

# Statuses not listed (withdrawn, expired, cancelled) keep the neutral grey badge.
APPLICATION_STATUS_BADGES = {
    ApplicationStatus.SUBMITTED: "fr-badge--info",
    ApplicationStatus.ACCEPTED: "fr-badge--success",
    ApplicationStatus.WAITLISTED: "fr-badge--warning",
    ApplicationStatus.OFFERED: "fr-badge--new",
    ApplicationStatus.ENROLLED: "fr-badge--success",
    ApplicationStatus.REJECTED: "fr-badge--error",
}
VAE_STAGE_BADGES = {
    VaeStage.SUBMITTED: "fr-badge--info",
    VaeStage.ADMISSIBILITY: "fr-badge--info",
    VaeStage.SUPPORT: "fr-badge--new",
    VaeStage.JURY: "fr-badge--new",
    VaeStage.NOT_ADMISSIBLE: "fr-badge--error",
}
VAE_RESULT_BADGES = {
    VaeResult.FULL: "fr-badge--success",
    VaeResult.PARTIAL: "fr-badge--warning",
    VaeResult.REFUSED: "fr-badge--error",
}


@register.filter
def application_badge(status: str) -> str:
    """``{{ application.status|application_badge }}`` → ``fr-badge--info``."""
    return APPLICATION_STATUS_BADGES.get(status, "")


@register.filter
def vae_badge(vae_request: VaeRequest) -> str:
    """The colour of the request's stage, or of its result once the jury has decided."""
    if vae_request.stage == VaeStage.RESULT:
        return VAE_RESULT_BADGES.get(vae_request.result, "")
    return VAE_STAGE_BADGES.get(vae_request.stage, "")


@register.filter
def vae_status_label(vae_request: VaeRequest) -> str:
    """What the badge says: the stage, or the jury's result once there is one."""
    if vae_request.stage == VaeStage.RESULT:
        return vae_request.get_result_display()
    return vae_request.get_stage_display()
