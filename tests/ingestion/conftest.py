"""Ingestion fixtures: private upload storage, a posting, files from tests/ingestion/files/."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(autouse=True)
def upload_storage(settings, tmp_path):
    """Uploads go to this test's own directory, never var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    return tmp_path / "uploads"


@pytest.fixture
def posting(team):
    from dashboard.mirror.models import Posting

    return Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer", url_key="eng-key")


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = (FILES / name).read_bytes() if content is None else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def stored(name: str, content: bytes | None = None) -> str:
    """Save a fixture file (or bytes) in default storage; return its stored name."""
    from django.core.files.storage import default_storage

    return default_storage.save("imports/test.csv", upload(name, content))
