"""The webhooks tests' fixtures (Chromium's `browser` and `page` are tests/conftest.py's)."""

import pytest

from dashboard.webhooks import processing
from tests.e2e.conftest import screenshot  # noqa: F401 (a fixture, used by name)


@pytest.fixture(autouse=True)
def _broker_not_paused(monkeypatch):
    """A test that breaks the broker must not make the next one skip enqueueing."""
    monkeypatch.setattr(processing, "_broker_paused_until", 0.0)
