"""The review tests' fixtures (a posting, hand-made interviews) serve the pipeline's tests too."""

import pytest

from tests.review.conftest import make_posting


@pytest.fixture
def posting(team):
    return make_posting(team, title="Backend engineer")
