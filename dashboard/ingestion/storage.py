"""Where uploads are kept between the steps of an import: a storage every host can read.

The upload, the mapping after the preview, the check in a worker and the import may each run on
a different host, so a file on one host's disk is not enough. By default an upload goes to the
database (DatabaseStorage below: the file cut into UploadChunk rows, written and read one chunk
at a time, so neither a web process nor a worker holds a whole file). UPLOAD_STORAGE names
another entry of STORAGES instead (S3-compatible storage through django-storages, say: see
docs/deploy.md).
"""

import io
from datetime import datetime

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from dashboard.ingestion.models import UploadChunk

# Each chunk is one row and one query: big enough that a 10 MB upload is some forty rows, small
# enough that a reader holds little at a time.
CHUNK_BYTES = 256 * 1024


def upload_storage() -> Storage:
    """The storage uploads are kept in (UPLOAD_STORAGE names the entry of STORAGES)."""
    return storages[settings.UPLOAD_STORAGE]


@deconstructible(path="dashboard.ingestion.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    """Files as numbered chunks in the database. Written once (save), read (open), deleted;
    never served: uploads have no URL."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES):
        self.chunk_bytes = chunk_bytes

    def _save(self, name: str, content) -> str:
        # One transaction: a reader never sees half a file, and a failed save leaves nothing.
        with transaction.atomic():
            size = 0
            for number, data in enumerate(_pieces(content, self.chunk_bytes)):
                UploadChunk.objects.create(name=name, number=number, data=data, size=len(data))
                size += len(data)
            if not size:  # an empty file still exists
                UploadChunk.objects.create(name=name, number=0, data=b"", size=0)
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if set(mode) - set("rb"):
            raise ValueError(f"Uploads are written once, by save(); cannot open {name!r} with mode {mode!r}.")
        if not self.exists(name):
            raise FileNotFoundError(f"No stored upload named {name!r}.")
        return File(io.BufferedReader(ChunkReader(name), buffer_size=self.chunk_bytes), name=name)

    def delete(self, name: str) -> None:
        UploadChunk.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        return UploadChunk.objects.filter(name=name).exists()

    def size(self, name: str) -> int:
        size = UploadChunk.objects.filter(name=name).aggregate(size=Sum("size"))["size"]
        if size is None:
            raise FileNotFoundError(f"No stored upload named {name!r}.")
        return size

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.rstrip('/')}/" if path else ""
        names = UploadChunk.objects.filter(name__startswith=prefix, number=0).values_list("name", flat=True)
        directories, files = set(), []
        for name in names:
            head, slash, tail = name[len(prefix) :].partition("/")
            if slash:
                directories.add(head)
            else:
                files.append(head)
        return sorted(directories), sorted(files)

    def get_created_time(self, name: str) -> datetime:
        created = UploadChunk.objects.filter(name=name).aggregate(at=Min("created_at"))["at"]
        if created is None:
            raise FileNotFoundError(f"No stored upload named {name!r}.")
        return created if settings.USE_TZ else timezone.make_naive(created)

    get_modified_time = get_created_time  # written once, never changed

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Uploads are never served.")


class ChunkReader(io.RawIOBase):
    """Reads a stored upload forward, fetching one chunk (one query) when the last is used up."""

    def __init__(self, name: str):
        self.name = name
        self.number = 0
        self.chunk = memoryview(b"")
        self.at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.chunk and not self.at_end:
            data = (
                UploadChunk.objects.filter(name=self.name, number=self.number)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                self.at_end = True
            else:
                self.chunk, self.number = memoryview(bytes(data)), self.number + 1
        count = min(len(buffer), len(self.chunk))
        buffer[:count] = self.chunk[:count]
        self.chunk = self.chunk[count:]
        return count


def _pieces(content: File, size: int):
    """The content in pieces of exactly `size` bytes (the last shorter), whatever the file's own
    chunks are: a piece at a time."""
    pending = b""
    for block in content.chunks(size):  # from the start (chunks() rewinds)
        pending += block
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending
