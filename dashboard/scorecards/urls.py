"""The scorecards app's URLs."""

urlpatterns: list = []
