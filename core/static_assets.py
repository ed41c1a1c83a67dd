"""Subresource integrity computed from the static file the portal actually serves.

In production the manifest storage serves hashed copies whose ``url()``s it rewrote, so a
hash of the original file (what the design system's own tags print) does not match and the
browser refuses the stylesheet. The hash is taken here from the file behind the URL.
"""

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage


def served_path(name: str) -> Path:
    """The file on disk whose bytes the static URL of ``name`` returns."""
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        return Path(staticfiles_storage.path(staticfiles_storage.stored_name(name)))
    # Development: the files are served from the apps' and project's static folders.
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(f"No static file named {name!r}.")
    return Path(found)


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode("ascii")


def integrity(name: str) -> str:
    """The ``integrity`` attribute value for the static file ``name``, as served."""
    path = served_path(name)
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)
