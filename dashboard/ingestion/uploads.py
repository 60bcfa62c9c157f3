"""The upload size limit, applied while Django reads a multipart body, before a file is kept.

Django's own handlers write any file to memory or a temporary file whole, so a 300 MB body
was on disk before the import view could refuse it. This handler comes first in
FILE_UPLOAD_HANDLERS: it refuses a file part whose request declares more bytes than the limit
allows before one byte of the file is handed on, and cuts a file that grows past the limit
anyway (the declared length leaves room for the form's other fields). Either way it marks the
request, and the view answers 413 with the form and a clear message.

It runs inside whichever code first reads request.POST (a middleware, the CSRF check, the
view), so the fields before the file (the CSRF token, the posting) are still read: the CSRF
check passes and the page keeps the chosen posting.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Room in a request's declared length for everything but the file: boundaries, part headers,
# the CSRF token and the other fields (a few hundred bytes in practice).
FORM_OVERHEAD = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Counts file bytes across the request's parts and stops at UPLOAD_MAX_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared = content_length
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared > settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self._refuse()  # the bytes already handed on are at most the limit
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file

    def _refuse(self):
        if self.request is not None:
            # Read back by too_large() below; HttpRequest declares no such attribute.
            self.request.upload_too_large = True  # type: ignore[attr-defined]
        # Django stops reading here and closes (deletes) any temporary file. The rest of the body
        # is drained by the web server (gunicorn, runserver) without being kept, so the browser
        # gets the page rather than a reset connection.
        raise StopUpload(connection_reset=True)


def too_large(request: HttpRequest) -> bool:
    """Whether this request's upload was refused (reads the body if nothing has yet)."""
    request.FILES  # noqa: B018 - parsing runs the handler
    return getattr(request, "upload_too_large", False)


def too_large_message() -> str:
    limit = settings.UPLOAD_MAX_BYTES
    size = f"{limit / 1_048_576:.0f} MB" if limit >= 1_048_576 else f"{limit // 1024} KB"
    return (
        f"The file is larger than {size}, the most one import takes. Split it into smaller "
        "files and import them one after another."
    )
