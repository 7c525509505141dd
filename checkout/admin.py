"""Orders in the Shopping Manager: each merchant sees only its own, as with the catalog."""

from django import forms
from django.contrib import admin

from catalog.models import Membership
from catalog.money import MoneyField
from catalog.templatetags.catalog_tags import money
from catalog.tenancy import MerchantScopedAdmin, MerchantScopedMixin, register_tenant_model
from checkout.models import CheckoutSettings, Order, OrderLine
from checkout.payment_outcomes import refunds_retry
from checkout.payments import get_provider
from checkout.pricing import merchant_currency, shipping_note

register_tenant_model(Order, "merchant")
register_tenant_model(OrderLine, "order__merchant")


class OrderLineInline(MerchantScopedMixin, admin.TabularInline):
    """What was bought: shown to the order's merchant (a plain inline would need Django model
    permissions, which merchant staff do not have), never changed."""

    model = OrderLine
    extra = 0
    can_delete = False
    merchant_roles = frozenset()
    merchant_view_only_roles = frozenset(
        {Membership.Role.OWNER, Membership.Role.CATALOG_MANAGER, Membership.Role.HOST}
    )
    fields = [
        "product_title",
        "variant_label",
        "sku",
        "unit_price_display",
        "quantity",
        "line_total_display",
        "featured_product",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="unit price")
    def unit_price_display(self, line):
        return money(line.unit_price, line.currency)

    @admin.display(description="line total")
    def line_total_display(self, line):
        return money(line.line_total, line.currency)


def _as_money(name: str):
    """A read-only admin field showing the order's amount `name` as money in its currency."""

    @admin.display(description=name.replace("_", " "))
    def amount(order):
        return money(getattr(order, name), order.currency)

    amount.__name__ = f"{name}_as_money"
    return amount


# Order columns that hold amounts in minor units: shown on the order page as money.
ORDER_AMOUNTS = {
    name: _as_money(name) for name in ("subtotal", "shipping", "tax", "total", "amount_refunded")
}


@admin.register(Order)
class OrderAdmin(MerchantScopedAdmin):
    """Orders are records of payments: readable, never edited by hand."""

    list_display = [
        "number",
        "merchant",
        "bought_in",
        "email",
        "status",
        "total_display",
        "refunded_display",
        "platform",
        "created_at",
    ]
    list_filter = ["status", "platform", ("event", admin.RelatedOnlyFieldListFilter), "merchant"]
    list_select_related = ["merchant", "event"]
    search_fields = ["number", "email", "shipping_name", "payment_intent_id"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    merchant_roles = frozenset({Membership.Role.OWNER, Membership.Role.CATALOG_MANAGER})
    merchant_view_only_roles = frozenset({Membership.Role.HOST})

    actions = ["retry_refunds"]

    @admin.display(description="bought in", ordering="event__title")
    def bought_in(self, obj):
        """The show the order came from, or the shop (its shop and product pages)."""
        return obj.event.title if obj.event_id else "Shop"

    @admin.display(description="total", ordering="total")
    def total_display(self, obj):
        return money(obj.total, obj.currency)

    @admin.display(description="refunded", ordering="amount_refunded")
    def refunded_display(self, obj):
        return money(obj.amount_refunded, obj.currency) if obj.amount_refunded else "—"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields] + list(ORDER_AMOUNTS.values())

    def get_fields(self, request, obj=None):
        # Every column, read-only; amounts shown as money ("$1,318.99"), not in minor units.
        return [ORDER_AMOUNTS.get(field.name, field.name) for field in Order._meta.fields]

    @admin.action(
        description="Retry the refund of paid orders that sold out", permissions=["change"]
    )
    def retry_refunds(self, request, queryset):
        retried = refunds_retry(orders=queryset)
        self.message_user(request, f"{retried} refund(s) requested again.")

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


register_tenant_model(CheckoutSettings, "merchant")


class CheckoutSettingsForm(forms.ModelForm):
    shipping_rate = MoneyField(
        label="Flat shipping rate", help_text="Per order, e.g. 5.99. 0 for free shipping."
    )
    free_shipping_over = MoneyField(
        label="Free shipping from",
        required=False,
        help_text="Orders whose items come to at least this ship free, e.g. 50.00. Empty: never.",
    )

    class Meta:
        model = CheckoutSettings
        fields = ["merchant", "shipping_rate", "free_shipping_over", "tax_mode", "tax_rate"]

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("tax_mode")
        if mode == CheckoutSettings.TaxMode.STRIPE and get_provider().name != "stripe":
            self.add_error(
                "tax_mode",
                "Stripe Tax needs Liveshop's Stripe keys, which this site does not have. "
                "Choose prices that include tax, or your own rate.",
            )
        if (
            mode == CheckoutSettings.TaxMode.RATE
            and not self.has_error("tax_rate")
            and not cleaned.get("tax_rate")
        ):
            self.add_error("tax_rate", "Enter the rate to add, e.g. 8.25.")
        return cleaned


@admin.register(CheckoutSettings)
class CheckoutSettingsAdmin(MerchantScopedAdmin):
    """Each merchant's shipping rate and tax rule (checkout/pricing.py applies them)."""

    form = CheckoutSettingsForm
    list_display = ["merchant", "shipping_summary", "tax_mode"]
    list_select_related = ["merchant"]
    merchant_roles = frozenset({Membership.Role.OWNER})

    @admin.display(description="shipping")
    def shipping_summary(self, rule):
        return shipping_note(rule.merchant, merchant_currency(rule.merchant))
