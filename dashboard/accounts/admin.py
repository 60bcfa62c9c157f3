from django.contrib import admin

from dashboard.accounts.forms import ThrottledAdminLoginForm, ThrottledPasswordChangeForm
from dashboard.accounts.models import Membership, Team

# The admin's own sign-in and password change count toward the same limits as the dashboard's:
# unthrottled, they were a way around them.
admin.site.login_form = ThrottledAdminLoginForm
admin.site.password_change_form = ThrottledPasswordChangeForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "heymilo_base_url", "api_key_status"]
    # The encrypted key and webhook token stay out of the admin; set keys on the settings page.
    fields = ["name", "slug", "heymilo_base_url", "default_phone_region"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
