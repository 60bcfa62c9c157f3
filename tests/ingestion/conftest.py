"""Ingestion fixtures: private upload storage, a posting, files from tests/ingestion/files/."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(autouse=True)
def private_default_storage(settings, tmp_path):
    """Anything put in default storage goes to this test's own directory, never var/uploads.
    Uploads themselves go to the database (UPLOAD_STORAGE's default), as in production."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    return tmp_path / "uploads"


@pytest.fixture
def upload_storage(settings, private_default_storage):
    """Uploads kept on disk instead (UPLOAD_STORAGE="default"), for a test that looks at the files."""
    settings.UPLOAD_STORAGE = "default"
    return private_default_storage


@pytest.fixture
def posting(team):
    from dashboard.mirror.models import Posting

    return Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer", url_key="eng-key")


@pytest.fixture
def live_posting(team, sandbox):
    """A posting of the sandbox's, the team pointed at the sandbox."""
    from dashboard.mirror.models import Posting
    from tests.mirror.helpers import point_team_at

    point_team_at(team, sandbox)
    doc = sandbox.postings()[0]
    return Posting.objects.create(
        team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"]
    )


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = (FILES / name).read_bytes() if content is None else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def stored(name: str, content: bytes | None = None) -> str:
    """Save a fixture file (or bytes) in upload storage; return its stored name."""
    from dashboard.ingestion.storage import upload_storage

    return upload_storage().save("imports/test.csv", upload(name, content))
