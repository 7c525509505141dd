from django import forms

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
    shipping_postal_code = forms.CharField(label="Postal code", max_length=20)
    shipping_country = forms.ChoiceField(label="Country", choices=COUNTRIES)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = " ".join(value.split())
        return cleaned
