"""Notification tests: a posting with candidates in the shared team, and helpers."""

import pytest

from dashboard.mirror.models import Posting
from tests.review.conftest import make_interview, make_posting


@pytest.fixture
def posting(team) -> Posting:
    return make_posting(team, title="Account Executive")


@pytest.fixture
def candidates(team, posting):
    return [make_interview(team, posting, name=name) for name in ("Ana Ruiz", "Ben Osei", "Chen Wu")]
