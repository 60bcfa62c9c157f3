from django.contrib import admin

from dashboard.accounts.models import Membership, Team


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
