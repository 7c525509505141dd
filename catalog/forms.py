from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from catalog import kept_uploads
from catalog.local_time import DEFAULT_TIME_ZONE, TimeZoneField
from catalog.models import Membership, Merchant, MerchantApplication, Product, ProductImage, Variant
from catalog.money import MoneyField
from catalog.services import merchant_slug_suggest
from catalog.stock import StockBelowReserved


class MerchantApplicationForm(forms.ModelForm):
    """The public 'Sell on Liveshop' form."""

    website = forms.URLField(max_length=300, assume_scheme="https", label="Website")
    time_zone = TimeZoneField(
        initial=DEFAULT_TIME_ZONE,
        required=False,  # a select always sends one; without it, the default
        help_text="You schedule your live shows in this time zone.",
    )

    class Meta:
        model = MerchantApplication
        fields = [
            "business_name",
            "website",
            "contact_name",
            "contact_email",
            "what_they_sell",
            "time_zone",
        ]
        labels = {
            "business_name": "Business name",
            "website": "Website",
            "contact_name": "Your name",
            "contact_email": "Contact email",
            "what_they_sell": "What do you sell?",
        }
        widgets = {"what_they_sell": forms.Textarea(attrs={"rows": 5})}

    def clean_business_name(self):
        name = self.cleaned_data["business_name"].strip()
        if not slugify(name):
            raise ValidationError("Use at least one letter or digit in the business name.")
        return name

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # static/js/time_zone_guess.js picks the browser's own zone until the person chooses.
            self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = ""

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or DEFAULT_TIME_ZONE


class MerchantForm(forms.ModelForm):
    """A merchant's profile in the Shopping Manager."""

    time_zone = TimeZoneField(
        initial=DEFAULT_TIME_ZONE,
        help_text="Show times are entered and shown in this zone in the Shopping Manager.",
    )

    class Meta:
        model = Merchant
        fields = [
            "name",
            "slug",
            "website",
            "contact_email",
            "description",
            "is_verified",
            "time_zone",
        ]


class ApproveApplicationForm(forms.Form):
    slug = forms.SlugField(
        max_length=60,
        label="Shop address",
        help_text="The merchant's shop page will be /shop/<this>/.",
    )

    def __init__(self, *args, application: MerchantApplication, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].initial = merchant_slug_suggest(application.business_name)

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if Merchant.objects.filter(slug=slug).exists():
            raise ValidationError("A merchant with this slug already exists; choose another.")
        return slug


class RejectApplicationForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Sent to the applicant by email.",
    )

    def __init__(self, *args, application: MerchantApplication, **kwargs):
        super().__init__(*args, **kwargs)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(help_text="They get an email with a link to set their password.")
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["merchant", "title", "slug", "description", "category", "status"]

    def clean(self):
        cleaned = super().clean()
        merchant = cleaned.get("merchant") or getattr(self.instance, "merchant", None)
        slug = cleaned.get("slug")
        # The (merchant, slug) constraint is not checked by Django when `merchant` is read-only.
        if merchant and slug:
            taken = Product.objects.filter(merchant=merchant, slug=slug).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("slug", f"{merchant} already has a product with the slug '{slug}'.")
        return cleaned


def _sku_taken(*, merchant_id: int | None, sku: str, exclude_pk: int | None) -> bool:
    if merchant_id is None or not sku:
        return False
    return Variant.objects.filter(merchant_id=merchant_id, sku=sku).exclude(pk=exclude_pk).exists()


class VariantStockForm(forms.ModelForm):
    """Stock on hand, checked against the units shoppers hold now (read afresh, not from the
    instance). Saving checks again: catalog.stock.set_on_hand refuses a count below the units held
    by then, and the Shopping Manager shows that refusal as this same error."""

    class Meta:
        model = Variant
        fields = ["stock_on_hand"]

    def clean_stock_on_hand(self):
        on_hand = self.cleaned_data["stock_on_hand"]
        if on_hand is None or self.instance.pk is None or "stock_on_hand" not in self.changed_data:
            return on_hand
        reserved = (
            Variant.objects.filter(pk=self.instance.pk).values_list("reserved", flat=True).first()
        )
        if reserved is not None and on_hand < reserved:
            raise StockBelowReserved(
                variant_id=self.instance.pk, on_hand=on_hand, reserved=reserved
            )
        return on_hand


class VariantForm(VariantStockForm):
    # Typed and shown as money ("24.99"), stored in minor units (2499).
    price = MoneyField(label="Price", help_text="For example 24.99.")
    compare_at_price = MoneyField(
        label="Compare-at price",
        required=False,
        help_text="Optional 'was' price, higher than the price.",
    )

    class Meta(VariantStockForm.Meta):
        fields = ["product", *Variant.MERCHANT_FIELDS, "position"]

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        if product is not None:
            # The merchant is copied from the product so SKUs are unique per merchant.
            self.instance.merchant_id = product.merchant_id
        sku = cleaned.get("sku")
        if _sku_taken(merchant_id=self.instance.merchant_id, sku=sku, exclude_pk=self.instance.pk):
            self.add_error("sku", f"Another variant of this merchant already has the SKU {sku}.")
        return cleaned


class VariantInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        merchant_id = self.instance.merchant_id
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or form in self.deleted_forms:
                continue
            form.instance.merchant_id = merchant_id
            sku = form.cleaned_data.get("sku")
            if not sku:
                continue
            if sku in seen:
                form.add_error("sku", f"SKU {sku} is also used by variant {seen[sku]} above.")
            elif _sku_taken(merchant_id=merchant_id, sku=sku, exclude_pk=form.instance.pk):
                form.add_error(
                    "sku", f"Another product of this merchant already uses the SKU {sku}."
                )
            seen[sku] = number


class ProductImageForm(forms.ModelForm):
    # A plain file field: images.image_prepare does the checking, with its own messages.
    image = kept_uploads.KeptImageField(
        help_text="JPEG, PNG or WebP. Location and camera data are removed before it is stored."
    )
    # The session a checked photo is kept for, so that an error elsewhere on the page does not
    # drop it (set by the Shopping Manager; None: photos are not kept).
    upload_owner: str | None = None

    class Meta:
        model = ProductImage
        fields = ["product", "image", "alt_text", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A stored photo is never rewritten in place; upload a new one instead.
            self.fields["image"].disabled = True
            self.fields["image"].required = False

    def clean_image(self):
        upload = self.cleaned_data["image"]
        self.prepared_image, self.kept_image = None, None
        if self.instance.pk:
            return upload
        prepared, kept = kept_uploads.photo_checked(upload, owner=self.upload_owner)
        self.fields["image"].widget.kept = kept
        self.prepared_image, self.kept_image = prepared, kept
        return prepared.content if kept else upload


class CatalogImportForm(forms.Form):
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.none(), to_field_name="slug")
    file = forms.FileField(label="CSV file", help_text="UTF-8, one row per variant.")

    def __init__(self, *args, merchants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if merchants is None:
            del self.fields["merchant"]  # merchant staff import into their own merchant
        else:
            self.fields["merchant"].queryset = merchants

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError("Upload a .csv file.")
        # Refused before the file is read into memory (catalog_csv checks it again).
        limit = settings.CATALOG_CSV_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(f"The file is larger than {limit // 1024 // 1024} MB.")
        return upload
