"""Applicants, their applications with history and documents, certificates, VAE requests.

One module per topic; everything is importable from ``enrollment.models`` (Django and the
migrations look here).
"""

from .applications import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    Application,
    ApplicationQuerySet,
    ApplicationStatus,
    ApplicationStatusChange,
)
from .calendars import CalendarFeed
from .documents import (
    PENDING_UPLOAD_DURATION,
    PENDING_UPLOAD_HOURS,
    ApplicationDocument,
    EnrollmentCertificate,
    PendingUpload,
    PendingUploadQuerySet,
    document_upload_to,
    pending_upload_to,
    vae_document_upload_to,
)
from .profiles import (
    ApplicantProfile,
    Situation,
)
from .vae import (
    VAE_FINAL_STAGES,
    VAE_OPEN_STAGES,
    VAE_STAGE_ORDER,
    VAE_YEARS_MAX,
    VAE_YEARS_MIN,
    VaeDocument,
    VaeRequest,
    VaeRequestQuerySet,
    VaeResult,
    VaeStage,
    VaeStageChange,
)
