"""Forms for signing in, team settings and members."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from dashboard.accounts import throttle
from dashboard.accounts.models import Membership, Role, Team, normalise_email
from dashboard.core.heymilo_api import address_policy
from heymilo.client import valid_key_characters


class ThrottledLoginMixin(AuthenticationForm):
    """Refuses attempts for a username after repeated failures (even with the right password),
    and slows down an address after many failures. Shared by the sign-in and admin forms, so
    both count toward the same limits. Built on AuthenticationForm: it reads its request and
    user_cache."""

    def throttled_message(self) -> str:
        return (
            f"Too many failed sign-in attempts. Wait {throttle.lock_minutes()} minutes and try "
            "again, or ask an admin to reset your password."
        )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        # LoginView always passes the request; a form built without one counts as an unknown address.
        ip = throttle.client_ip(self.request) if self.request else "unknown"
        wait = throttle.address_wait(ip)
        if wait:
            raise forms.ValidationError(
                f"Too many failed sign-ins from your network. Try again in {wait} "
                f"second{'s' if wait != 1 else ''}.",
                code="slowed",
            )
        if throttle.username_locked(username):
            raise forms.ValidationError(self.throttled_message(), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            # Only a wrong password counts; an inactive account or a non-staff user at the
            # admin gave the right one.
            if self.user_cache is None:
                throttle.record_failure(username, ip)
            raise
        throttle.clear(username)
        return cleaned


class ThrottledLoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Wrong current passwords count per user: a borrowed session cannot guess the password."""

    def clean_old_password(self):
        if throttle.password_change_locked(self.user.pk):
            raise forms.ValidationError(
                f"Too many wrong current passwords. Wait {throttle.lock_minutes()} minutes and try again.",
                code="throttled",
            )
        try:
            old_password = super().clean_old_password()
        except forms.ValidationError:
            throttle.record_password_change_failure(self.user.pk)
            raise
        throttle.clear_password_change(self.user.pk)
        return old_password


class TeamSettingsForm(forms.ModelForm):
    # Write-only: the stored key is never rendered back, not even into the form.
    api_key = forms.CharField(
        label="HeyMilo API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current key.",
    )

    class Meta:
        model = Team
        fields = ["name", "heymilo_base_url", "default_phone_region"]

    def clean_api_key(self):
        key = self.cleaned_data["api_key"]
        if key and not valid_key_characters(key):
            raise forms.ValidationError(
                "The key holds a space, a line break or an invisible character (often pasted along "
                "with it): copy it again from HeyMilo's settings."
            )
        return key

    def clean_name(self):
        name = self.cleaned_data["name"]
        if Team.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another team already has this name: choose another.")
        return name

    def clean_heymilo_base_url(self):
        url = self.cleaned_data["heymilo_base_url"].rstrip("/")
        problem = address_policy().base_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        new_url = cleaned.get("heymilo_base_url")
        old_url = (self.instance.heymilo_base_url or "").rstrip("/")
        # The stored key goes wherever the base URL points: only someone who holds the key may
        # point it somewhere new, so a changed address needs the key typed again.
        if (
            self.instance.has_api_key
            and new_url
            and new_url != old_url
            and not cleaned.get("api_key")
            and "api_key" not in self.errors
        ):
            self.add_error("api_key", "Enter the API key again to use it with a new base URL.")
        return cleaned

    def clean_default_phone_region(self):
        region = self.cleaned_data["default_phone_region"].upper()
        if len(region) != 2 or not region.isalpha():
            raise forms.ValidationError("Use a two-letter country code such as US or GB.")
        return region

    def save(self, commit=True):
        team = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            team.set_api_key(self.cleaned_data["api_key"])
        if commit:
            team.save()
        return team


class InviteMemberForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        help_text="They see the invitation on their Home page once they sign in with this address.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        # Only this team's own members are named (the Members page lists them anyway): whether an
        # address has an account anywhere else is never told.
        if Membership.objects.filter(team=self.team, user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of the team.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
