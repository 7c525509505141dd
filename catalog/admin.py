"""The Shopping Manager: merchants' catalogs in the Django admin, isolated per merchant."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalog import catalog_csv, images, services, stock
from catalog.forms import (
    ApproveApplicationForm,
    CatalogImportForm,
    MerchantForm,
    ProductForm,
    ProductImageForm,
    RejectApplicationForm,
    StaffInviteForm,
    VariantForm,
    VariantInlineFormSet,
    VariantStockForm,
)
from catalog.models import Membership, Merchant, MerchantApplication, Product, ProductImage, Variant
from catalog.money import money_format
from catalog.selectors import is_platform_staff, merchant_for
from catalog.signals import stock_changed_on_commit
from catalog.tenancy import MerchantScopedAdmin, MerchantScopedMixin, register_tenant_model
from infrastructure.site_url import site_root

register_tenant_model(Membership, "merchant")
register_tenant_model(Product, "merchant")
register_tenant_model(Variant, "merchant")
register_tenant_model(ProductImage, "product__merchant")


class PlatformOnlyAdmin(admin.ModelAdmin):
    """Only platform staff (Liveshop employees) ever see these."""

    def has_module_permission(self, request):
        return is_platform_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_staff(request.user)

    def has_add_permission(self, request):
        return is_platform_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_staff(request.user)


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(PlatformOnlyAdmin):
    list_display = ["business_name", "contact_email", "website", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["business_name", "contact_email", "website"]
    readonly_fields = [
        "business_name",
        "website",
        "contact_name",
        "contact_email",
        "what_they_sell",
        "time_zone",
        "status",
        "rejection_reason",
        "reviewed_by",
        "reviewed_at",
        "merchant",
        "created_at",
        "review_links",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # applications come from the public form

    @admin.display(description="Review")
    def review_links(self, obj):
        if obj.status != MerchantApplication.Status.PENDING:
            return "Reviewed."
        return format_html(
            '<a class="button" href="{}">Approve…</a>&nbsp;<a class="button" href="{}">Reject…</a>',
            reverse("admin:catalog_merchantapplication_approve", args=[obj.pk]),
            reverse("admin:catalog_merchantapplication_reject", args=[obj.pk]),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="catalog_merchantapplication_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="catalog_merchantapplication_reject",
            ),
            *super().get_urls(),
        ]

    def _review(self, request, pk, form_class, decide, title):
        if not self.has_change_permission(request):
            raise PermissionDenied
        application = get_object_or_404(MerchantApplication, pk=pk)
        back = reverse("admin:catalog_merchantapplication_change", args=[pk])
        if application.status != MerchantApplication.Status.PENDING:
            messages.error(request, "This application was already reviewed.")
            return HttpResponseRedirect(back)
        form = form_class(request.POST or None, application=application)
        if request.method == "POST" and form.is_valid():
            try:
                message = decide(application, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "application": application,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/review_application.html", context)

    def approve_view(self, request, pk):
        def decide(application, data):
            approval = services.application_approve(
                application=application,
                slug=data["slug"],
                reviewer=request.user,
                site=site_root(request),
            )
            return f"Approved: {approval.merchant} is verified; {approval.owner.email} was emailed."

        return self._review(request, pk, ApproveApplicationForm, decide, "Approve application")

    def reject_view(self, request, pk):
        def decide(application, data):
            services.application_reject(
                application=application, reason=data["reason"], reviewer=request.user
            )
            return f"Rejected; {application.contact_email} was emailed the reason."

        return self._review(request, pk, RejectApplicationForm, decide, "Reject application")


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
        if "is_verified" in form.changed_data:
            obj.verified_at = timezone.now() if obj.is_verified else None
        super().save_model(request, obj, form, change)

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
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invite staff to {merchant}",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/membership/invite.html", context)

    def get_readonly_fields(self, request, obj=None):
        return [] if is_platform_staff(request.user) else ["user", "merchant"]

    def has_delete_permission(self, request, obj=None):
        # An owner cannot remove their own membership and lock the merchant out.
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)


class StockRefusalShownMixin:
    """For admins that save variants: stock refused at save time becomes a form error.

    A variant form checks stock on hand against the units held when it is validated, and
    catalog.stock.set_on_hand checks again when it is saved. When a shopper held units in between,
    the refusal (StockBelowReserved) rolls the admin's transaction back, so nothing of the edit is
    saved, and the request is processed again: its validation reads the units held now and shows
    the error next to the field, with every other edit still in the form.
    """

    stock_save_attempts = 3

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._with_stock_refusal_shown(
            super().changeform_view, request, object_id, form_url, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        return self._with_stock_refusal_shown(super().changelist_view, request, extra_context)

    def _with_stock_refusal_shown(self, view, request, *args):
        for _ in range(self.stock_save_attempts):
            try:
                return view(request, *args)
            except stock.StockBelowReserved as refused:
                last_refusal = refused  # rolled back; validate again against the units held now
        # Shoppers kept holding units between validation and save (never seen in practice).
        self.message_user(
            request, f"Nothing was saved: {last_refusal.message} Try again.", messages.ERROR
        )
        return HttpResponseRedirect(request.get_full_path())


def _variant_save(variant: Variant, changed: list[str], *, adding: bool) -> bool:
    """Save a variant edited in the Shopping Manager: a new one with an INSERT, an existing one
    through catalog.stock (its stock columns are never written from this stale copy). Returns
    whether stock on hand changed. Raises StockBelowReserved."""
    if adding:
        variant.save()
        return "stock_on_hand" in changed
    fields = {*changed, "merchant"} if "product" in changed else set(changed)
    return stock.variant_update(variant=variant, fields=fields)


class VariantInline(MerchantScopedMixin, admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantInlineFormSet
    extra = 1
    fields = [
        "sku",
        "size",
        "color",
        "price",
        "compare_at_price",
        "currency",
        "stock_on_hand",
        "position",
    ]


def _keeping_photos(form_class, request):
    """`form_class` keeping a checked photo for this session while its page comes back with an
    error elsewhere (ProductImageForm.upload_owner), so the photo need not be chosen again."""
    session = request.session.session_key
    owner = f"{request.user.pk}:{session}" if session else None
    return type(form_class.__name__, (form_class,), {"upload_owner": owner})


class ProductImageInline(MerchantScopedMixin, admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(
            request, obj, **{"form": _keeping_photos(self.form, request), **kwargs}
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
        updated = queryset.update(status=status, updated_at=timezone.now())
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
            for variant in formset.deleted_objects:
                variant.delete()
            stock_changed = bool(formset.new_objects or formset.deleted_objects)
            for variant, changed in formset.changed_objects:
                stock_changed |= _variant_save(variant, changed, adding=False)
            for variant in formset.new_objects:
                _variant_save(variant, [], adding=True)
            formset.save_m2m()
            if stock_changed:
                stock_changed_on_commit([form.instance.pk])
            return None
        if formset.model is not ProductImage:
            return super().save_formset(request, form, formset, change)
        # New photos go through images.image_store (re-encoding, thumbnails), not formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            image = inline_form.instance
            if image.pk is not None:
                image.delete()
                transaction.on_commit(lambda image=image: images.image_delete_files(image))
                formset.deleted_objects.append(image)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if inline_form.instance.pk is None:
                stored = images.image_store(
                    product=form.instance,
                    upload=inline_form.prepared_image,
                    alt_text=inline_form.cleaned_data.get("alt_text", ""),
                    position=inline_form.cleaned_data.get("position") or 0,
                    defer_thumbnails=True,  # made after the admin's transaction commits
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
        context = {
            **self.admin_site.each_context(request),
            "title": "Import catalog from CSV",
            "form": form,
            "errors": errors,
            "columns": catalog_csv.COLUMNS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/product/import_csv.html", context)


@admin.register(Variant)
class VariantAdmin(StockRefusalShownMixin, MerchantScopedAdmin):
    form = VariantForm
    list_display = ["sku", "product", "size", "color", "price_display", "stock_on_hand"]
    list_editable = ["stock_on_hand"]
    list_filter = ["currency", ("product", admin.RelatedOnlyFieldListFilter), "merchant"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__title"]
    autocomplete_fields = ["product"]
    fields = [
        "product",
        "sku",
        "size",
        "color",
        "price",
        "compare_at_price",
        "currency",
        "stock_on_hand",
        "position",
    ]

    @admin.display(description="Price", ordering="price")
    def price_display(self, obj):
        return money_format(obj.price, obj.currency)

    def get_changelist_form(self, request, **kwargs):
        # list_editable: stock on hand, checked like the change form's.
        return super().get_changelist_form(request, **{"form": VariantStockForm, **kwargs})

    def save_model(self, request, obj, form, change):
        obj.merchant_id = obj.product.merchant_id
        if _variant_save(obj, form.changed_data, adding=not change):
            stock_changed_on_commit([obj.product_id])


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
        return _keeping_photos(super().get_form(request, obj, change, **kwargs), request)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        stored = images.image_store(
            product=obj.product,
            upload=form.prepared_image,
            alt_text=obj.alt_text,
            position=obj.position,
            defer_thumbnails=True,  # made after the admin's transaction commits
        )
        obj.pk = stored.pk
        obj.image = stored.image

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(lambda: images.image_delete_files(obj))

    def delete_queryset(self, request, queryset):
        doomed = list(queryset)
        super().delete_queryset(request, queryset)
        transaction.on_commit(lambda: [images.image_delete_files(obj) for obj in doomed])
