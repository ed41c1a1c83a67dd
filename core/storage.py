"""The private storage: personal documents and generated PDFs, on disk, streamed only by views that check who asks."""

from typing import NoReturn

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# The extension each verified format is stored and served with, and the other spellings it keeps.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_SPELLINGS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}


def name_for_type(name: str, content_type: str, *, max_length: int = 200) -> str:
    """``name`` ending in the extension of the format its content was found to be, at most ``max_length`` long.

    A PDF uploaded as ``polyglot.html`` is served as ``polyglot.pdf``, so that no browser or
    workstation opens it as a page; ``photo.JPG`` stays as typed. A name too long for the
    column or the file system is shortened, keeping its extension.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    extension = EXTENSIONS.get(content_type)
    if extension is None:
        return base[:max_length]
    stem, dot, typed = base.rpartition(".")
    if not dot:
        stem = base
    elif f".{typed.lower()}" in _SPELLINGS[content_type]:
        extension = f".{typed}"
    stem = stem.strip()[: max_length - len(extension)].rstrip() or "document"
    return stem + extension


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

    The name it is saved under ends in the extension of ``content_type``, whatever was typed.

    A missing file is a 404 (saying ``missing`` when given). Personal documents are never kept
    by a shared cache or the browser's back-forward cache.
    """
    if not field_file:
        raise Http404(missing)
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=name_for_type(filename, content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def private_storage() -> Storage:
    """The storage every private file field names (a callable, so tests can swap the backend)."""
    return storages["private"]
