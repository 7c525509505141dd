"""Live shows in the Shopping Manager, isolated per merchant like the catalog."""

from django.contrib import admin, messages
from django.utils.html import format_html

from catalog.models import Membership
from catalog.tenancy import MerchantScopedAdmin, MerchantScopedMixin, register_tenant_model
from events import services
from events.forms import LiveEventForm, ShowProductForm, ShowProductFormSet
from events.models import ChatMessage, ChatRestriction, LiveEvent, ShowProduct

register_tenant_model(LiveEvent, "merchant")
register_tenant_model(ShowProduct, "event__merchant")
register_tenant_model(ChatMessage, "event__merchant")
register_tenant_model(ChatRestriction, "event__merchant")

HOSTING_ROLES = frozenset({Membership.Role.OWNER, Membership.Role.HOST})


class ShowProductInline(MerchantScopedMixin, admin.TabularInline):
    """The run of show. Products are a plain select of the brand's own products: an autocomplete
    would ask the product admin, which a host (who runs shows, not the catalog) may not open."""

    model = ShowProduct
    form = ShowProductForm
    formset = ShowProductFormSet
    extra = 3
    merchant_roles = HOSTING_ROLES
    merchant_view_only_roles = frozenset({Membership.Role.CATALOG_MANAGER})


@admin.register(LiveEvent)
class LiveEventAdmin(MerchantScopedAdmin):
    form = LiveEventForm
    list_display = ["title", "merchant", "scheduled_start", "status", "links"]
    list_filter = ["status", "merchant"]
    list_select_related = ["merchant"]
    search_fields = ["title", "slug", "host_name"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "scheduled_start"
    inlines = [ShowProductInline]
    actions = ["cancel_shows"]
    merchant_roles = HOSTING_ROLES
    merchant_view_only_roles = frozenset({Membership.Role.CATALOG_MANAGER})

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "started_at", "ended_at"]
        # A show never moves to another brand.
        return [*fixed, "merchant"] if obj is not None else fixed

    @admin.display(description="Pages")
    def links(self, obj):
        return format_html(
            '<a href="{}">Viewer page</a> · <a href="{}">Host console</a>',
            obj.get_absolute_url(),
            f"{obj.get_absolute_url()}console/",
        )

    @admin.action(description="Cancel selected scheduled shows", permissions=["change"])
    def cancel_shows(self, request, queryset):
        for event in queryset:
            try:
                services.event_transition(
                    event=event, to=LiveEvent.Status.CANCELLED, by=request.user
                )
            except services.EventError as exc:
                self.message_user(request, f"{event}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{event} was cancelled.")


@admin.register(ChatMessage)
class ChatMessageAdmin(MerchantScopedAdmin):
    """The chat's history, for moderation after the show."""

    list_display = ["created_at", "event", "author_name", "body", "is_brand", "deleted_at"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "is_brand"]
    search_fields = ["body", "author_name"]
    merchant_roles = HOSTING_ROLES
    platform_only_list_filter = ("merchant", "event__merchant")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Removing a message must reach viewers: hosts delete from the console (chat_delete).
        return False
