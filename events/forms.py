from django import forms
from django.core.exceptions import ValidationError

from catalog.money import MoneyField
from events.models import LiveEvent, Platform, ShowProduct
from events.scheduling import SCHEDULE_FIELDS


class LiveEventForm(forms.ModelForm):
    """A show's schedule. Who may schedule for which brand is the services' rule, checked when the
    admin saves through them (events.scheduling.event_schedule, event_update)."""

    # Set when the services refused this very submission at save time: shown as the form's error.
    refusal: ValidationError | None = None

    purchase_platforms = forms.MultipleChoiceField(
        choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[Platform.IOS, Platform.DESKTOP],
        help_text="Viewers on other platforms watch but cannot buy.",
    )

    class Meta:
        model = LiveEvent
        fields = ["merchant", *SCHEDULE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            raise self.refusal
        return cleaned


class ShowProductFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        merchant_id = self.instance.merchant_id
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form in self.deleted_forms:
                continue
            product = form.cleaned_data.get("product")
            if product is None:
                continue
            if merchant_id and product.merchant_id != merchant_id:
                form.add_error("product", "Only the brand's own products can be in its show.")
            if product.pk in seen:
                form.add_error("product", "This product is already in the run of show.")
            seen.add(product.pk)


class ShowProductForm(forms.ModelForm):
    # Typed and shown as money ("19.99"), stored in minor units, in the product's currency.
    live_price = MoneyField(
        label="Live price",
        required=False,
        help_text="Optional price while the show is live, for example 19.99.",
    )

    class Meta:
        model = ShowProduct
        fields = ["product", "position", "live_price", "per_customer_limit"]
