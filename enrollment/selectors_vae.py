"""Reads about VAE requests shared by the applicant's pages."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import VAE_STAGE_ORDER, VaeRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class StageSteps:
    """Where a request stands on the five-stage path, for a DSFR stepper."""

    current: int
    total: int
    title: str
    next_title: str


def vae_requests_of(*, user: "User | AnonymousUser | None") -> list[VaeRequest]:
    """The person's VAE requests with their programme, newest first, in one query."""
    if user is None or not user.is_authenticated:
        return []
    return list(VaeRequest.objects.filter(applicant=user).select_related("programme").order_by("-submitted_at", "-pk"))


def stage_steps(vae_request: VaeRequest) -> StageSteps | None:
    """None for a request closed as non recevable: it left the path."""
    if vae_request.stage not in VAE_STAGE_ORDER:
        return None
    index = VAE_STAGE_ORDER.index(vae_request.stage)
    following = VAE_STAGE_ORDER[index + 1].label if index + 1 < len(VAE_STAGE_ORDER) else ""
    return StageSteps(
        current=index + 1,
        total=len(VAE_STAGE_ORDER),
        title=str(vae_request.get_stage_display()),
        next_title=str(following),
    )
