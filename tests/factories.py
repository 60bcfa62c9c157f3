"""factory-boy factories for the dashboard's models."""

import factory
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from dashboard.accounts.models import Membership, Team

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda t: slugify(t.name))
    # Port 9 (discard) on loopback: a test that forgets to point a team at the sandbox fails
    # fast with "unreachable" instead of reaching the internet.
    heymilo_base_url = "http://127.0.0.1:9"

    @factory.post_generation
    def api_key(obj, create, extracted, **kwargs):
        if extracted:
            obj.set_api_key(extracted)
            if create:
                obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = "viewer"
