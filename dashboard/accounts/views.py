"""Sign-in, password reset, team switching, team settings with Test connection, members and
invitations (on Home, and through the emailed link)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts import invitations, passwords, tasks
from dashboard.accounts.access import admin_required
from dashboard.accounts.forms import (
    InvitationAccountForm,
    InviteMemberForm,
    RoleForm,
    TeamSettingsForm,
    ThrottledLoginForm,
    ThrottledPasswordResetForm,
)
from dashboard.accounts.http import SignedInRequest, TeamRequest
from dashboard.accounts.middleware import SESSION_KEY
from dashboard.accounts.models import ConnectionCheck, Invitation, Membership, Role
from dashboard.core.jobs import JobRegion
from dashboard.mail.selectors import mail_failures

CONNECTION_CHECKED = "connection-checked"  # the settings page's key line listens for it
# The check's status region; once it has finished, the key line re-renders with what the check
# found.
CHECK_REGION = JobRegion(
    template="accounts/settings.html#connection-check",
    event=CONNECTION_CHECKED,
    name="check",
    model=ConnectionCheck,
)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    # Django's LoginView rotates the session key on login (cycle_key) against fixation.
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, but the form only queues the work (passwords.password_reset_request): the
    answer is the same page, reached the same way, whether or not the address has an account."""

    form_class = ThrottledPasswordResetForm
    template_name = "registration/password_reset_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        passwords.password_reset_request(email=form.cleaned_data["email"])
        return redirect(self.get_success_url())


@require_POST
def switch_team(request: SignedInRequest):
    membership = get_object_or_404(Membership, user=request.user, team__slug=request.POST.get("team"))
    request.session[SESSION_KEY] = membership.team_id
    messages.success(request, f"Now working in {membership.team.name}.")
    return redirect("home")


@admin_required
@vary_on_headers("HX-Request", "HX-Target")
def team_settings(request: TeamRequest):
    team = request.team
    if request.method == "POST":
        form = TeamSettingsForm(request.POST, instance=team)
        if form.is_valid():
            key_changed = bool(form.cleaned_data.get("api_key"))
            form.save()
            messages.success(
                request,
                "Settings saved. Test the connection to check the new key."
                if key_changed
                else "Settings saved.",
            )
            return redirect("team_settings")
    else:
        if request.htmx and request.htmx.target == "key-status":
            # After a connection check: the key line says what the check found.
            return render(request, "accounts/settings.html#key-status")
        form = TeamSettingsForm(instance=team)
    last_check = ConnectionCheck.objects.for_team(team).first()
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "check": last_check, "mail_failures": mail_failures(team)},
    )


@admin_required
@require_POST
def connection_check_start(request: TeamRequest):
    with transaction.atomic():
        check = ConnectionCheck.objects.create(team=request.team, requested_by=request.user)
        # On commit: the worker must find the row it is handed.
        tasks.check_connection.delay_on_commit(check.id)
    return CHECK_REGION.started(request, check, fallback=reverse("team_settings"))


@admin_required
def connection_check_status(request: TeamRequest, check_id: int):
    return CHECK_REGION.poll(request, check_id)


@admin_required
def members(request: TeamRequest):
    team = request.team
    form = InviteMemberForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        invitations.invitation_send(
            team, email=email, role=form.cleaned_data["role"], invited_by=request.user
        )
        # The same words whether or not anyone has an account with this address.
        messages.success(request, f"Invitation sent to {email}. They join when they accept it.")
        return redirect("members")
    memberships = Membership.objects.for_team(team).select_related("user").order_by("user__username")
    pending = Invitation.objects.for_team(team).pending().select_related("invited_by")
    return render(
        request,
        "accounts/members.html",
        {"form": form, "memberships": memberships, "invitations": pending, "roles": Role.choices},
    )


@admin_required
@require_POST
def invitation_cancel(request: TeamRequest, invitation_id: int):
    invitation = get_object_or_404(Invitation.objects.for_team(request.team), id=invitation_id)
    if invitations.invitation_close(invitation, state=Invitation.State.CANCELLED):
        messages.success(request, f"The invitation to {invitation.email} was cancelled.")
    else:
        messages.info(request, f"{invitation.email} had already answered the invitation.")
    return redirect("members")


@admin_required
@require_POST
def invitation_resend(request: TeamRequest, invitation_id: int):
    invitation = get_object_or_404(
        Invitation.objects.for_team(request.team).select_related("team", "invited_by"), id=invitation_id
    )
    if invitations.invitation_resend(invitation):
        messages.success(
            request,
            f"A new link was sent to {invitation.email}. It works for {settings.INVITATION_DAYS} days.",
        )
    else:
        messages.info(request, f"{invitation.email} had already answered the invitation.")
    return redirect("members")


@login_not_required
def invitation_open(request: HttpRequest, token: str):
    """The emailed link. Opening it (a GET, which mail scanners also do) changes nothing: a new
    person sets their name and password, a signed-in one confirms joining with their account."""
    try:
        invitation = invitations.invitation_from_link(token)
    except invitations.InvitationLinkError as error:
        return render(
            request,
            "accounts/invitation_open.html",
            {"problem": error.reason, "invitation": error.invitation, "days": settings.INVITATION_DAYS},
            status=404 if error.reason == "invalid" else 410,
        )
    if request.user.is_authenticated:
        return _invitation_join(request, invitation)  # type: ignore[arg-type]  # signed in: SignedInRequest
    form = InvitationAccountForm(request.POST or None, email=invitation.email)
    account_exists = invitations.account_exists(invitation.email)
    if request.method == "POST" and not account_exists and form.is_valid():
        try:
            user = invitations.invitation_accept_new_account(
                invitation, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except invitations.AccountExists:
            account_exists = True
        else:
            if user is None:
                return redirect(request.path)  # answered meanwhile: the link now says so
            auth_login(request, user)
            request.session[SESSION_KEY] = invitation.team_id
            messages.success(request, f"Welcome to {invitation.team.name}. You sign in with {user.email}.")
            return redirect("home")
    return render(
        request,
        "accounts/invitation_open.html",
        {
            "invitation": invitation,
            "form": form,
            "account_exists": account_exists,
            "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        },
    )


def _invitation_join(request: SignedInRequest, invitation: Invitation):
    if request.method != "POST":
        return render(request, "accounts/invitation_open.html", {"invitation": invitation, "join": True})
    return _accept(request, invitation)


def _my_invitation(request: SignedInRequest, invitation_id: int) -> Invitation:
    # Addressed to someone else: 404, like another team's id.
    return get_object_or_404(
        Invitation.objects.for_user(request.user).select_related("team"), id=invitation_id
    )


@require_POST
def invitation_accept(request: SignedInRequest, invitation_id: int):
    return _accept(request, _my_invitation(request, invitation_id))


def _accept(request: SignedInRequest, invitation: Invitation):
    """Joins the signed-in person to the invitation's team (on Home, or through the emailed link)."""
    if invitations.invitation_accept(invitation, user=request.user) is None:
        messages.info(request, f"The invitation to {invitation.team.name} is no longer open.")
    elif request.membership is None:
        messages.success(request, f"You joined {invitation.team.name}.")
    else:
        # Not switched: what they do next must not land in a team they did not pick.
        messages.success(
            request,
            f"You joined {invitation.team.name}. You are still working in {request.membership.team.name}: "
            "use the team menu to switch.",
        )
    return redirect("home")


@require_POST
def invitation_decline(request: SignedInRequest, invitation_id: int):
    invitation = _my_invitation(request, invitation_id)
    if invitations.invitation_close(invitation, state=Invitation.State.DECLINED):
        messages.success(request, f"You declined the invitation to {invitation.team.name}.")
    else:
        messages.info(request, f"The invitation to {invitation.team.name} is no longer open.")
    return redirect("home")


def _is_last_admin(membership: Membership) -> bool:
    return membership.role == Role.ADMIN and membership.team.admin_count() <= 1


@admin_required
@require_POST
def member_role(request: TeamRequest, membership_id: int):
    membership = get_object_or_404(Membership, id=membership_id, team=request.team)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose admin, reviewer or viewer.")
    elif form.cleaned_data["role"] != Role.ADMIN and _is_last_admin(membership):
        messages.error(request, "A team needs at least one admin: make someone else admin first.")
    else:
        membership.role = form.cleaned_data["role"]
        membership.save(update_fields=["role"])
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("members")


@admin_required
@require_POST
def member_remove(request: TeamRequest, membership_id: int):
    membership = get_object_or_404(Membership, id=membership_id, team=request.team)
    if _is_last_admin(membership):
        messages.error(request, "The last admin cannot be removed: make someone else admin first.")
    else:
        membership.delete()
        messages.success(request, f"{membership.user} was removed from {request.team.name}.")
    return redirect("members")
