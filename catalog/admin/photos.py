"""Product photos on their own page and list: stored through catalog/kept_uploads.py and
catalog/images.py (checked, re-encoded, thumbnails after the commit), deleted with their files."""

from django.contrib import admin

from catalog import images, kept_uploads
from catalog.forms import ProductImageForm
from catalog.models import ProductImage
from catalog.tenancy import MerchantScopedAdmin, register_tenant_model

register_tenant_model(ProductImage, "product__merchant")


@admin.register(ProductImage)
class ProductImageAdmin(MerchantScopedAdmin):
    form = ProductImageForm
    list_display = ["__str__", "product", "width", "height", "position"]
    list_filter = [("product", admin.RelatedOnlyFieldListFilter)]
    raw_id_fields = ["product"]
    fields = ["product", "image", "alt_text", "position"]
    search_fields = ["product__title", "alt_text"]

    def get_readonly_fields(self, request, obj=None):
        # ProductImageForm disables the stored photo's field: replace a photo by uploading anew.
        return ["product"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        return kept_uploads.keeping_photos(
            super().get_form(request, obj, change, **kwargs), request
        )

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        stored = kept_uploads.photo_store(
            product=obj.product,
            prepared=form.prepared_image,
            kept=form.kept_image,
            alt_text=obj.alt_text,
            position=obj.position,
        )
        obj.pk = stored.pk
        obj.image = stored.image

    def delete_model(self, request, obj):
        images.image_delete(obj)

    def delete_queryset(self, request, queryset):
        images.images_delete(queryset)
