"""A merchant's profile, and who works for it in which role (owners invite their staff)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from catalog import services
from catalog.admin.pages import admin_page
from catalog.forms import MerchantForm, StaffInviteForm
from catalog.models import Membership, Merchant
from catalog.selectors import is_platform_staff, merchant_for
from catalog.tenancy import MerchantScopedAdmin, register_tenant_model
from infrastructure.site_url import site_root

register_tenant_model(Membership, "merchant")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(MerchantScopedAdmin):
    form = MerchantForm
    list_display = ["name", "slug", "is_verified", "shop_link", "created_at"]
    list_filter = ["is_verified"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    merchant_roles = frozenset({Membership.Role.OWNER})
    merchant_view_only_roles = frozenset({Membership.Role.CATALOG_MANAGER, Membership.Role.HOST})

    def get_inlines(self, request, obj):
        return [MembershipInline] if is_platform_staff(request.user) else []

    def get_readonly_fields(self, request, obj=None):
        if is_platform_staff(request.user):
            return ["verified_at", "created_at"]
        return ["slug", "is_verified", "verified_at", "created_at"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if is_platform_staff(request.user) else {}

    def has_add_permission(self, request):
        return is_platform_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_staff(request.user)

    def save_model(self, request, obj, form, change):
        services.merchant_save(merchant=obj, changed=form.changed_data)

    @admin.display(description="Shop page")
    def shop_link(self, obj):
        return format_html('<a href="{}">/shop/{}/</a>', obj.get_absolute_url(), obj.slug)


@admin.register(Membership)
class MembershipAdmin(MerchantScopedAdmin):
    """Owners see who works for their merchant and in which role."""

    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role", "merchant"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
    merchant_roles = frozenset({Membership.Role.OWNER})

    change_list_template = "admin/catalog/membership/change_list.html"

    def has_add_permission(self, request, *args):
        # Platform staff link existing accounts; owners invite people (invite_view).
        return is_platform_staff(request.user)

    def get_urls(self):
        return [
            path(
                "invite/",
                self.admin_site.admin_view(self.invite_view),
                name="catalog_membership_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request):
        """An owner invites a catalog manager, a host or another owner by email."""
        merchant = merchant_for(request.user)
        if merchant is None or not self._may_write(request):
            raise PermissionDenied
        form = StaffInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                membership = services.staff_invite(
                    merchant=merchant,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    site=site_root(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Invited {membership.user.email} as {membership.get_role_display().lower()}; "
                    "they were emailed a link to set their password.",
                )
                return HttpResponseRedirect(reverse("admin:catalog_membership_changelist"))
        return admin_page(
            self,
            request,
            "admin/catalog/membership/invite.html",
            title=f"Invite staff to {merchant}",
            form=form,
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if is_platform_staff(request.user) else ["user", "merchant"]

    def has_delete_permission(self, request, obj=None):
        # An owner cannot remove their own membership and lock the merchant out.
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)
