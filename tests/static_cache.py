"""Collected static files, kept between test runs: ``python -m tests.static_cache DEST``.

Run with the settings of the stack that serves them (``DJANGO_SETTINGS_MODULE``...). The
production storage compresses every collected file (gzip and Brotli), which takes tens of
seconds, and its output depends only on the files collected, the storage and the library
versions: those make the key of a folder under ``var/test-static/``, collected the first
time and reused after. ``DEST`` becomes a link to it; the servers only read it.
"""

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
from pathlib import Path

import django

CACHE = Path(__file__).resolve().parent.parent / "var" / "test-static"
KEEP = 3
# The files collectstatic leaves out by default (its --ignore patterns).
IGNORED = ["CVS", ".*", "*~"]


def sources_key() -> str:
    """A digest of every file collectstatic would copy, with what decides how it is stored."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for package in ("django", "whitenoise", "brotli"):
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}={version}\n".encode())
    whitenoise = {name: getattr(settings, name) for name in dir(settings) if name.startswith("WHITENOISE_")}
    digest.update(repr((settings.STATIC_URL, settings.STORAGES["staticfiles"], whitenoise)).encode())
    for finder in get_finders():
        for path, storage in finder.list(IGNORED):
            prefix = getattr(storage, "prefix", None) or ""
            with storage.open(path) as source:
                content = hashlib.sha256(source.read()).hexdigest()
            digest.update(f"{os.path.join(prefix, path)}\0{content}\n".encode())
    return digest.hexdigest()[:20]


def collected(key: str) -> Path:
    """The cache folder for ``key``, collected now unless an earlier run did."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    entry = CACHE / key
    CACHE.mkdir(parents=True, exist_ok=True)
    # One collector at a time (xdist workers, other runs on this machine); the others wait and reuse.
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (entry / "staticfiles.json").exists():
            staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=CACHE))
            staging.chmod(0o755)
            with override_settings(STATIC_ROOT=staging):
                call_command("collectstatic", interactive=False, verbosity=0)
            shutil.rmtree(entry, ignore_errors=True)
            staging.rename(entry)
        os.utime(entry)
        for old in sorted((p for p in CACHE.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
    return entry


def main(destination: str) -> None:
    django.setup()
    entry = collected(sources_key())
    link = Path(destination)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(entry, target_is_directory=True)


if __name__ == "__main__":
    main(sys.argv[1])
