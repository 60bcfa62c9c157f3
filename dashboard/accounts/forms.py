"""Forms for signing in, team settings and members."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

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
                throttle.failure_record(username, ip=ip)
            raise
        throttle.failures_clear(username)
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
            throttle.password_change_failure_record(self.user.pk)
            raise
        throttle.password_change_failures_clear(self.user.pk)
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
        help_text=(
            "We email them a link to join (it works for 7 days); with an account on this address "
            "they can also accept on their Home page."
        ),
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


class ThrottledPasswordResetForm(PasswordResetForm):
    """The reset form under the sign-in throttle: an address that has had too many failures waits,
    one address asked about too often is refused (with the same words whether or not it has an
    account). The view, not save(), queues the mail (passwords.password_reset_request)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean() or {}
        email = cleaned.get("email") or ""
        if not email:
            return cleaned
        ip = throttle.client_ip(self.request) if self.request else "unknown"
        wait = throttle.address_wait(ip)
        if wait:
            raise forms.ValidationError(
                f"Too many attempts from your network. Try again in {wait} second{'s' if wait != 1 else ''}.",
                code="slowed",
            )
        if throttle.password_reset_locked(email):
            raise forms.ValidationError(
                f"A reset was asked for this address several times already. Check your inbox (and spam "
                f"folder), or wait {throttle.lock_minutes()} minutes and try again.",
                code="throttled",
            )
        throttle.password_reset_record(email, ip=ip)
        return cleaned


PASSWORD_HELP = "At least 8 characters, not only digits, and not a common password."


class NewPasswordForm(SetPasswordForm):
    """Django's form for the reset link, in our words: one line of help instead of the validators' list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""


class InvitationAccountForm(forms.Form):
    """A new account from an invitation link: the person's name and a password; they sign in with
    the address the invitation was sent to."""

    name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ: type the same one twice.")
        elif first:
            user = get_user_model()(username=self.email, email=self.email, first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
