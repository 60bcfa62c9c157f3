"""What a candidate table reads before its rows, in one query (selectors.table_settings)."""

import pytest

from dashboard.review import selectors
from dashboard.review.models import ReviewSettings, SavedFilter, TableColumns

pytestmark = pytest.mark.django_db


def test_the_columns_the_filters_and_the_privacy_come_in_one_query(
    team, reviewer, admin, posting, django_assert_num_queries
):
    ReviewSettings.objects.create(team=team, ratings_private=False)
    TableColumns.objects.create(team=team, user=reviewer, columns=["score", "stage"])
    SavedFilter.objects.create(team=team, user=reviewer, posting=posting, query="status=completed")
    SavedFilter.objects.create(team=team, user=reviewer, posting=None, query="q=ann")
    SavedFilter.objects.create(team=team, user=admin, posting=posting, query="q=not-mine")
    with django_assert_num_queries(1):
        choice, saved, private = selectors.table_settings(team, reviewer, posting)
    assert choice is not None and choice.columns == ["score", "stage"]
    assert saved is not None and saved.query == "status=completed"
    assert saved.pk == SavedFilter.objects.get(user=reviewer, posting=posting).pk
    assert private is False
    # The all-candidates table keeps its own filters.
    assert selectors.table_settings(team, reviewer, None)[1].query == "q=ann"


def test_nothing_saved_reads_as_the_defaults(team, viewer, posting):
    assert selectors.table_settings(team, viewer, posting) == (None, None, True)
