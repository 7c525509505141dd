from django import forms
from django.core.exceptions import ValidationError

from checkout.addresses import address_check, phone_normalise

COUNTRIES = [
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("FR", "France"),
    ("DE", "Germany"),
]


class ContactForm(forms.Form):
    """Who pays and where it ships. Field names are the Order's."""

    email = forms.EmailField(label="Email")
    shipping_name = forms.CharField(label="Full name", max_length=150)
    shipping_line1 = forms.CharField(label="Address", max_length=200)
    shipping_line2 = forms.CharField(
        label="Apartment, suite (optional)", max_length=200, required=False
    )
    shipping_city = forms.CharField(label="City", max_length=100)
    shipping_region = forms.CharField(label="State or region", max_length=100, required=False)
    # Required where the country's addresses have one (not every Irish address has an Eircode).
    shipping_postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    shipping_country = forms.ChoiceField(label="Country", choices=COUNTRIES)
    # For the carrier, if the buyer wants it; checked for the country and kept in E.164.
    shipping_phone = forms.CharField(label="Phone (optional)", max_length=32, required=False)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = " ".join(value.split())
        if country := cleaned.get("shipping_country"):
            self._check_address(cleaned, country)
            self._check_phone(cleaned, country)
        return cleaned

    def _check_phone(self, cleaned: dict, country: str) -> None:
        if not cleaned.get("shipping_phone"):
            return
        try:
            cleaned["shipping_phone"] = phone_normalise(
                cleaned["shipping_phone"], country=country, country_name=dict(COUNTRIES)[country]
            )
        except ValidationError as exc:
            self.add_error("shipping_phone", exc)

    def _check_address(self, cleaned: dict, country: str) -> None:
        """The postal code and region checked for the country, stored as its post formats them."""
        try:
            checked = address_check(
                country=country,
                country_name=dict(COUNTRIES)[country],
                postal_code=cleaned.get("shipping_postal_code", ""),
                region=cleaned.get("shipping_region", ""),
                city=cleaned.get("shipping_city", ""),
                street=cleaned.get("shipping_line1", ""),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(f"shipping_{field}", messages)
            return
        cleaned["shipping_postal_code"] = checked.postal_code
        cleaned["shipping_region"] = checked.region
