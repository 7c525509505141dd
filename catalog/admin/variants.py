"""Variants on their own page and list (stock on hand editable in the list), saved through
catalog/products.py."""

from django.contrib import admin

from catalog import products
from catalog.admin.stock_refusal import StockRefusalShownMixin
from catalog.forms import VariantForm, VariantStockForm
from catalog.models import Variant
from catalog.money import money_format
from catalog.tenancy import MerchantScopedAdmin, register_tenant_model

register_tenant_model(Variant, "merchant")


@admin.register(Variant)
class VariantAdmin(StockRefusalShownMixin, MerchantScopedAdmin):
    form = VariantForm
    list_display = ["sku", "product", "size", "color", "price_display", "stock_on_hand"]
    list_editable = ["stock_on_hand"]
    list_filter = ["currency", ("product", admin.RelatedOnlyFieldListFilter), "merchant"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__title"]
    autocomplete_fields = ["product"]
    fields = ["product", *Variant.MERCHANT_FIELDS, "position"]

    @admin.display(description="Price", ordering="price")
    def price_display(self, obj):
        return money_format(obj.price, obj.currency)

    def get_changelist_form(self, request, **kwargs):
        # list_editable: stock on hand, checked like the change form's.
        return super().get_changelist_form(request, **{"form": VariantStockForm, **kwargs})

    def save_model(self, request, obj, form, change):
        obj.merchant_id = obj.product.merchant_id
        products.variant_save(variant=obj, changed=form.changed_data, adding=not change)
