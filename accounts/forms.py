from django import forms
from django.contrib.auth import get_user_model


class SignUpForm(forms.Form):
    """An email and a password; the services check that the address is free and the password
    strong enough."""

    email = forms.EmailField(
        label="Email",
        max_length=get_user_model()._meta.get_field("username").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only numbers, not a common password.",
    )
