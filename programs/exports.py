"""The public catalogue's LHEO document, written once per state of the catalogue and kept on disk.

``/formations/lheo.xml`` and ``manage.py export_lheo`` read the document through
``lheo_document()``: it is written (``programs.lheo``) to a file under ``LHEO_EXPORT_DIR``
named by its content's SHA-1, and the cache says which file holds the catalogue's current
version (``core.fragments``' public scope, bumped by ``programs.freshness`` on every catalogue
edit and seat move). Repeated requests stream that file; nothing is rendered again until the
catalogue changes or time does (an application window opening or closing, the day turning:
``ExportSummary.valid_until``). While one process writes a new document, the others serve the
previous one rather than write it too. The file is named by what it holds, so every host writes the
same name for the same catalogue and the ETag (the SHA-1) is the same wherever it is served.

Last-Modified is when the content last changed: the latest ``updated_at`` of a programme, a
session or the training body, or the last instant time changed it; a document different from
the previous one that no such date explains (a session deleted) is dated from its writing.
"""

import dataclasses
import datetime
import gzip
import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from centre.models import Centre
from centre.selectors import training_body
from core import fragments

from . import freshness, lheo
from .models import Programme, Session

# The file of a document no longer current is kept this long for whoever is still downloading it.
STALE_FILE_SECONDS = 3600
_LATEST_KEY = "lheo:latest"
# Longer than a region's export takes on a busy machine; a writer that died frees it by then.
WRITE_LOCK_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class LheoDocument:
    path: Path
    etag: str  # the content's SHA-1
    last_modified: float  # a POSIX timestamp
    valid_until: float
    size: int
    formations: int
    sessions: int

    @property
    def gzip_path(self) -> Path:
        """The same document compressed once (gzip), for clients that accept it."""
        return self.path.with_name(self.path.name + ".gz")


# Compressed once when written rather than by every response (a region's catalogue is 12 MiB).
GZIP_LEVEL = 6


class _HashingFile:
    """Writes through to ``file`` and its gzip twin, and hashes what it writes."""

    def __init__(self, file, compressed):
        self.file = file
        self.compressed = compressed
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha1.update(data)
        self.size += len(data)
        self.compressed.write(data)
        return self.file.write(data)


def _key(version: str) -> str:
    return f"lheo:document:{version}"


def _document(meta: dict) -> LheoDocument:
    return LheoDocument(
        path=Path(settings.LHEO_EXPORT_DIR) / meta["name"], **{k: v for k, v in meta.items() if k != "name"}
    )


def catalogue_last_modified() -> datetime.datetime | None:
    """The latest edit of what the document shows that leaves a date behind."""
    dates = [
        Programme.objects.aggregate(latest=Max("updated_at"))["latest"],
        Session.objects.aggregate(latest=Max("updated_at"))["latest"],
        Centre.objects.aggregate(latest=Max("updated_at"))["latest"],
    ]
    return max((date for date in dates if date is not None), default=None)


def lheo_document(*, now: datetime.datetime | None = None) -> LheoDocument:
    """The current LHEO document of the public catalogue, written first if need be.

    Raises ``lheo.MissingTrainingBodyData`` when the training body lacks what LHEO requires.
    """
    now = now or timezone.now()
    version = fragments.version(freshness.SCOPE)
    meta = cache.get(_key(version))
    if meta is not None and now.timestamp() < meta["valid_until"]:
        document = _document(meta)
        if document.path.exists() and document.gzip_path.exists():
            return document
    # One writer per version: while it writes, other requests get the previous document (seconds old).
    lock = f"lheo:writing:{version}"
    if not cache.add(lock, True, WRITE_LOCK_SECONDS):
        previous = cache.get(_LATEST_KEY)
        if previous is not None and _document(previous).path.exists() and _document(previous).gzip_path.exists():
            return _document(previous)
    try:
        return _write(version=version, now=now)
    finally:
        cache.delete(lock)


def _write(*, version: str, now: datetime.datetime) -> LheoDocument:
    body = training_body()
    folder = Path(settings.LHEO_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".lheo-", suffix=".xml")
    temporary_gzip = temporary + ".gz"
    try:
        with (
            os.fdopen(handle, "wb") as file,
            open(temporary_gzip, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as compressed,
        ):
            out = _HashingFile(file, compressed)
            summary = lheo.write_document(out, body=body, site_url=settings.SITE_URL, now=now)
        etag = out.sha1.hexdigest()
        path = folder / f"lheo-{etag}.xml"
        # The compressed copy first: whoever finds the document finds both.
        os.replace(temporary_gzip, path.with_name(path.name + ".gz"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        Path(temporary_gzip).unlink(missing_ok=True)
        raise
    valid_until = summary.valid_until or now + datetime.timedelta(days=1)
    meta = {
        "name": path.name,
        "etag": etag,
        "last_modified": _last_modified(etag=etag, summary=summary, now=now),
        "valid_until": valid_until.timestamp(),
        "size": out.size,
        "formations": summary.formations,
        "sessions": summary.sessions,
    }
    seconds = max(1, min(int(valid_until.timestamp() - now.timestamp()), fragments.VERSION_SECONDS))
    cache.set_many({_key(version): meta, _LATEST_KEY: meta}, seconds)
    _remove_stale_files(folder, keep=path)
    return _document(meta)


def _last_modified(*, etag: str, summary: lheo.ExportSummary, now: datetime.datetime) -> float:
    previous = cache.get(_LATEST_KEY)
    if previous is not None and previous["etag"] == etag:
        return previous["last_modified"]
    dates = [date for date in (catalogue_last_modified(), summary.changed_at) if date is not None]
    changed = max(dates).timestamp() if dates else now.timestamp()
    if previous is not None and changed <= previous["last_modified"]:
        # Different content, yet no date moved: a deletion. It changed at the latest now.
        changed = now.timestamp()
    # HTTP dates have whole seconds: a later If-Modified-Since must compare equal.
    return float(int(min(changed, now.timestamp())))


def _remove_stale_files(folder: Path, *, keep: Path) -> None:
    cutoff = time.time() - STALE_FILE_SECONDS
    # A temporary file older than that was left by a writer that died.
    kept = {keep, keep.with_name(keep.name + ".gz")}
    for path in [*folder.glob("lheo-*.xml*"), *folder.glob(".lheo-*.xml*")]:
        try:
            if path not in kept and path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue
