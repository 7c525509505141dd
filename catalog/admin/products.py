"""Products in the Shopping Manager: the product with its variants and photos on one page, status
actions on the list, and the catalog's CSV import and export. What a save writes goes through
catalog/products.py (variants, statuses) and catalog/kept_uploads.py (photos)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalog import catalog_csv, images, kept_uploads, products
from catalog.admin.pages import admin_page
from catalog.admin.stock_refusal import StockRefusalShownMixin
from catalog.forms import (
    CatalogImportForm,
    ProductForm,
    ProductImageForm,
    VariantForm,
    VariantInlineFormSet,
)
from catalog.models import Merchant, Product, ProductImage, Variant
from catalog.money import money_format
from catalog.selectors import is_platform_staff, merchant_for
from catalog.tenancy import MerchantScopedAdmin, MerchantScopedMixin, register_tenant_model

register_tenant_model(Product, "merchant")


class VariantInline(MerchantScopedMixin, admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantInlineFormSet
    extra = 1
    fields = [*Variant.MERCHANT_FIELDS, "position"]


class ProductImageInline(MerchantScopedMixin, admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(
            request, obj, **{"form": kept_uploads.keeping_photos(self.form, request), **kwargs}
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.pk:
            return ""
        return format_html('<img src="{}" alt="" width="80">', obj.thumbnail_url(160))


@admin.register(Product)
class ProductAdmin(StockRefusalShownMixin, MerchantScopedAdmin):
    form = ProductForm
    list_display = ["title", "merchant", "category", "status", "price_range", "stock", "updated_at"]
    list_filter = ["status", "category", "merchant"]
    list_select_related = ["merchant"]
    search_fields = ["title", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [VariantInline, ProductImageInline]
    actions = ["make_active", "make_draft", "archive"]
    change_list_template = "admin/catalog/product/change_list.html"
    # Explicit: the aggregate annotations below make Django drop Meta.ordering, and autocomplete
    # pages through this queryset.
    ordering = ["title", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                min_price=Min("variants__price"),
                max_price=Max("variants__price"),
                currency=Subquery(
                    Variant.objects.filter(product=OuterRef("pk"))
                    .order_by("price")
                    .values("currency")[:1]
                ),
                total_stock=Sum("variants__stock_on_hand"),
                variant_count=Count("variants"),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # A product never moves between merchants: its variants' SKUs belong to the merchant.
        return ["merchant"] if obj is not None else []

    @admin.display(description="Price")
    def price_range(self, obj):
        if obj.min_price is None:
            return "no variants"
        low, high = (
            money_format(obj.min_price, obj.currency),
            money_format(obj.max_price, obj.currency),
        )
        return low if low == high else f"{low} – {high}"

    @admin.display(description="Stock", ordering="total_stock")
    def stock(self, obj):
        return obj.total_stock or 0

    def _set_status(self, request, queryset, status):
        updated = products.products_set_status(products=queryset, status=status)
        self.message_user(request, f"{updated} product(s) set to {Product.Status(status).label}.")

    @admin.action(description="Make selected products active", permissions=["change"])
    def make_active(self, request, queryset):
        self._set_status(request, queryset, Product.Status.ACTIVE)

    @admin.action(description="Move selected products to draft", permissions=["change"])
    def make_draft(self, request, queryset):
        self._set_status(request, queryset, Product.Status.DRAFT)

    @admin.action(description="Archive selected products", permissions=["change"])
    def archive(self, request, queryset):
        self._set_status(request, queryset, Product.Status.ARCHIVED)

    def save_formset(self, request, form, formset, change):
        if formset.model is Variant:
            formset.save(commit=False)  # sorts the rows into new, changed and deleted
            products.product_variants_save(
                product=form.instance,
                new=formset.new_objects,
                changed=formset.changed_objects,
                deleted=formset.deleted_objects,
            )
            formset.save_m2m()
        elif formset.model is ProductImage:
            self._save_photos(form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_photos(self, product, formset):
        # New photos are stored through kept_uploads.photo_store (re-encoded, thumbnails after the
        # commit), not formset.save(); the formset's lists say what was saved, for the history.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                images.image_delete(inline_form.instance)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if inline_form.instance.pk is None:
                stored = kept_uploads.photo_store(
                    product=product,
                    prepared=inline_form.prepared_image,
                    kept=inline_form.kept_image,
                    alt_text=inline_form.cleaned_data.get("alt_text", ""),
                    position=inline_form.cleaned_data.get("position") or 0,
                )
                formset.new_objects.append(stored)
            else:
                formset.changed_objects.append((inline_form.save(), inline_form.changed_data))

    # CSV import and export of the merchant's own catalog

    def get_urls(self):
        return [
            path(
                "export-csv/",
                self.admin_site.admin_view(self.export_csv_view),
                name="catalog_product_export_csv",
            ),
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="catalog_product_import_csv",
            ),
            *super().get_urls(),
        ]

    def _csv_merchant(self, request, *, write: bool) -> Merchant:
        """The merchant whose catalog this request may export or import."""
        allowed = (
            self.has_change_permission(request) if write else self.has_view_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        if is_platform_staff(request.user):
            merchant_id = request.GET.get("merchant", "")
            if not merchant_id.isdigit():
                raise Http404("Filter the product list by one merchant, then export.")
            return get_object_or_404(Merchant, pk=merchant_id)
        merchant = merchant_for(request.user)
        if merchant is None:
            raise PermissionDenied
        return merchant

    def export_csv_view(self, request):
        merchant = self._csv_merchant(request, write=False)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{merchant.slug}-catalog-{stamp}.csv"'
        )
        catalog_csv.catalog_export_csv(merchant=merchant, out=response)
        return response

    def import_csv_view(self, request):
        merchant_choices = Merchant.objects.all() if is_platform_staff(request.user) else None
        form = CatalogImportForm(
            request.POST or None, request.FILES or None, merchants=merchant_choices
        )
        errors: list = []
        if request.method == "POST" and form.is_valid():
            merchant = (
                form.cleaned_data["merchant"]
                if merchant_choices is not None
                else self._csv_merchant(request, write=True)
            )
            if not self.has_change_permission(request):
                raise PermissionDenied
            try:
                result = catalog_csv.catalog_import_csv(
                    merchant=merchant, data=form.cleaned_data["file"].read()
                )
            except catalog_csv.CatalogImportError as exc:
                errors = exc.errors
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Imported into {merchant}: {result.products_created} product(s) created, "
                    f"{result.products_updated} updated; {result.variants_created} variant(s) "
                    f"created, {result.variants_updated} updated.",
                )
                return HttpResponseRedirect(reverse("admin:catalog_product_changelist"))
        elif not self.has_change_permission(request):
            raise PermissionDenied
        return admin_page(
            self,
            request,
            "admin/catalog/product/import_csv.html",
            title="Import catalog from CSV",
            form=form,
            errors=errors,
            columns=catalog_csv.COLUMNS,
        )
