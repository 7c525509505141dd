"""Live shows in the Shopping Manager, isolated per merchant like the catalog."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from catalog.local_time import local_datetime
from catalog.models import Membership
from catalog.tenancy import MerchantScopedAdmin, MerchantScopedMixin, register_tenant_model
from events import errors as show_errors
from events import scheduling, services
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
    list_display = ["title", "merchant", "starts", "status", "links"]
    list_filter = ["status", "merchant"]
    list_select_related = ["merchant"]
    search_fields = ["title", "slug", "host_name"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "scheduled_start"
    inlines = [ShowProductInline]
    actions = ["cancel_shows"]
    merchant_roles = HOSTING_ROLES
    merchant_view_only_roles = frozenset({Membership.Role.CATALOG_MANAGER})

    # Saving goes through the services, the only writers of a show's live state: a new show is
    # scheduled by event_schedule; a saved one gets only the fields its form changed (event_update),
    # so an admin save never writes back seq, status, featured product, banner or announcement.
    # The run of show (the inline) is saved by the admin, then viewers are sent it again.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (show_errors.EventError, ValidationError) as exc:
            if request.method != "POST":
                raise
            # The services refused the save and the admin's transaction rolled back: the same form
            # again, as it was filled in, with the reason as its error.
            reason = exc.message if isinstance(exc, show_errors.EventError) else exc.messages
            request.liveshop_refusal = ValidationError(reason)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "liveshop_refusal", None)
        return form if refusal is None else type(form.__name__, (form,), {"refusal": refusal})

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in scheduling.SCHEDULE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            scheduling.event_update(event=obj, by=request.user, **changed)
            return
        event = scheduling.event_schedule(
            merchant=form.cleaned_data["merchant"], by=request.user, **fields
        )
        # The admin carries on with `obj`: its run of show, its log entry, the redirect.
        obj.pk, obj.created_at = event.pk, event.created_at
        obj._state.adding, obj._state.db = False, event._state.db

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            services.event_products_changed(event=form.instance)

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "started", "ended"]
        # A show never moves to another brand.
        return [*fixed, "merchant"] if obj is not None else fixed

    # Times in the merchant's zone (the Shopping Manager runs in it), with the zone's abbreviation.
    @admin.display(description="Starts", ordering="scheduled_start")
    def starts(self, obj):
        return local_datetime(obj.scheduled_start)

    @admin.display(description="Went live")
    def started(self, obj):
        return local_datetime(obj.started_at)

    @admin.display(description="Ended")
    def ended(self, obj):
        return local_datetime(obj.ended_at)

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
            except show_errors.EventError as exc:
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
