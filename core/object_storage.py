"""Private files in an S3-compatible bucket, for a portal run on several hosts (``STORAGE_URL``).

Kept apart from ``core.storage`` so that a portal on the local disk never loads boto3.
"""

from typing import NoReturn

from storages.backends.s3 import S3Storage


class PrivateObjectStorage(S3Storage):
    """Personal documents and generated PDFs in a bucket: private objects, never reachable by a URL.

    Objects are written with a private ACL and, where the store offers it, encrypted at rest
    (``settings.private_storage_from_url``). Like ``PrivateStorage`` on disk, they are streamed by
    views that check who asks: a signed URL would go around those checks, so asking for one is a bug.
    """

    def url(self, name, parameters=None, expire=None, http_method=None) -> NoReturn:
        raise ValueError("Private files have no URL; stream them from a view that checks permissions.")
