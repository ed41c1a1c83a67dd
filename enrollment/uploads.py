"""Applicants' documents: checked by what they contain, never by what they are called, then stored.

Shared by applications and VAE requests, whose documents differ only by their owner and kinds.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.file_checks import check_image, check_pdf
from core.storage import EXTENSIONS, name_for_type

logger = logging.getLogger(__name__)

# Magic bytes of the only formats staff can open safely on any workstation; what they announce is
# then checked in depth (core.file_checks).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
HEAD_BYTES = 16
CHUNK_BYTES = 64 * 1024
# Documents one application or one VAE request may carry, kept ones included.
MAX_DOCUMENTS = 6


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _display_name(file) -> str:
    return (getattr(file, "name", "") or _("sans nom")).rsplit("/", 1)[-1]


def inspect_upload(file) -> UploadInfo:
    """Identify an uploaded file by its first bytes, check it in depth and fingerprint it; raise a
    French ValidationError naming the file when it is empty, too large, not a PDF/JPEG/PNG, or a
    PDF/image that does not parse or holds active content."""
    name = _display_name(file)
    limit = settings.DOCUMENT_MAX_BYTES
    declared = getattr(file, "size", None)
    # Refuse on the declared size first so a huge upload is not read a second time.
    if declared is not None and declared > limit:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)},
            code="document_too_large",
        )
    file.seek(0)
    digest = hashlib.sha256()
    head = b""
    size = 0
    for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        size += len(chunk)
        if size > limit:
            file.seek(0)
            raise ValidationError(
                _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s.")
                % {"name": name, "limit": filesizeformat(limit)},
                code="document_too_large",
            )
        digest.update(chunk)
    file.seek(0)
    if size == 0:
        raise ValidationError(
            _("Le fichier « %(name)s » est vide.") % {"name": name},
            code="document_empty",
        )
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            if content_type == "application/pdf":
                check_pdf(file, name=name)
            else:
                check_image(file, name=name, image_format=IMAGE_FORMATS[content_type])
            return UploadInfo(content_type=content_type, size=size, sha256=digest.hexdigest())
    raise ValidationError(
        _(
            "Le fichier « %(name)s » n'est ni un PDF, ni une image JPEG ou PNG. "
            "Enregistrez-le dans l'un de ces formats puis déposez-le à nouveau."
        )
        % {"name": name},
        code="document_type",
    )


def check_documents(documents_in, *, kinds, max_count: int) -> list[tuple[str, object, UploadInfo]]:
    """Check every ``(kind, upload)`` pair before anything is written; raise one French
    ValidationError listing every refused file, or return ``(kind, upload, info)`` triples."""
    documents_in = list(documents_in or ())
    if len(documents_in) > max_count:
        raise ValidationError(
            _("Vous pouvez joindre au plus %(max)s pièces (vous en avez déposé %(count)s).")
            % {"max": max_count, "count": len(documents_in)},
            code="too_many_documents",
        )
    checked, errors = [], []
    for kind, upload in documents_in:
        if kind not in kinds:
            errors.append(ValidationError(_("Type de pièce inconnu : %(kind)s.") % {"kind": kind}, code="kind"))
            continue
        try:
            checked.append((kind, upload, inspect_upload(upload)))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


def store_documents(checked, *, build, written: list[str]) -> None:
    """Save each checked upload as the document row ``build(**fields)`` returns (its owner bound).

    Each stored name goes into ``written`` as soon as the file is on disk, so that the caller can
    delete the files if the transaction around this fails.
    """
    for kind, upload, info in checked:
        document = build(
            kind=kind,
            # The name shown and served ends in the detected format too, shortened to fit the column.
            original_name=name_for_type(upload.name or "", info.content_type, max_length=200),
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        # The stored name takes the extension of the detected format, not the one typed.
        document.file.save(f"piece{info.extension}", upload, save=False)
        written.append(document.file.name)
        document.save()


def delete_stored_files(storage, names: list[str]) -> None:
    """Remove the files of a submission that was rolled back; a file left behind is logged, not raised."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # an object store's errors (botocore's) are no OSError
            logger.exception("Could not delete %s after a failed submission.", name)


def copy_kept_documents(kept, *, build, written: list[str]) -> None:
    """Save a copy of each kept document (a ``PendingUpload``) as the row ``build(**fields)`` returns.

    Like ``store_documents``: each stored name goes into ``written`` as soon as the copy is on disk.
    A kept file gone from the storage is refused with a French message naming it.
    """
    for upload in kept:
        document = build(
            kind=upload.kind,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
        )
        try:
            handle = upload.file.open("rb")
        except FileNotFoundError:
            raise ValidationError(
                _("La pièce « %(name)s » n'est plus disponible : retirez-la puis déposez-la de nouveau.")
                % {"name": upload.original_name},
                code="kept_document_missing",
            ) from None
        with handle:
            document.file.save(f"piece{EXTENSIONS[upload.content_type]}", File(handle), save=False)
        written.append(document.file.name)
        document.save()
