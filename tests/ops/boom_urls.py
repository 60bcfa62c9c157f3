"""A view that fails holding personal data (sent in the request, as real data would be), for
tests/ops/test_sentry.py only."""

import json

from django.contrib.auth.decorators import login_not_required
from django.urls import path


@login_not_required
def boom(request):
    sent = json.loads(request.body)
    name, email = sent["name"], sent["email"]
    candidate = {"name": name, "phone": sent["phone"], "email": email}
    api_key = sent["key"]
    raise ValueError(f"HeyMilo refused {email} ({candidate['phone']}) with key {api_key}")


urlpatterns = [path("boom/", boom, name="boom")]
