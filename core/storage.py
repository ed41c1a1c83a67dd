"""The private storage: personal documents and generated PDFs, on disk, streamed only by views that check who asks."""

from typing import NoReturn

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


class PrivateStorage(FileSystemStorage):
    """Personal documents and generated PDFs: on disk, never reachable by a URL.

    Files are streamed by views that check who asks; asking for a URL is a bug.
    """

    @property
    def base_url(self):
        return None

    def url(self, name: str | None) -> NoReturn:
        raise ValueError("Private files have no URL; stream them from a view that checks permissions.")


def private_file_response(
    field_file: FieldFile | None, *, filename: str, content_type: str, missing: str = ""
) -> FileResponse:
    """Stream a file of the private storage as an attachment, never sniffed as something else.

    A missing file is a 404 (saying ``missing`` when given). Personal documents are never kept
    by a shared cache or the browser's back-forward cache.
    """
    if not field_file:
        raise Http404(missing)
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def private_storage() -> Storage:
    """The storage every private file field names (a callable, so tests can swap the backend)."""
    return storages["private"]
