from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Personal documents and generated PDFs: on disk, never reachable by a URL.

    Files are streamed by views that check who asks; asking for a URL is a bug.
    """

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; stream them from a view that checks permissions.")
