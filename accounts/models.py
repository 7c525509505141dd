"""Viewer accounts: which address a viewer proved they read, and the address they ship to.

A viewer's user is named by their email, in lower case (`username`), so two accounts never differ
only by the case of their address; merchant staff are users too (catalog/services.py), checked
against the same rule. Only viewers who signed up have a ViewerAccount.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class ViewerAccount(models.Model):
    """A viewer who signed up, and the email they verified ("" until they open the link)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewer_account"
    )
    verified_email = models.EmailField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One account per verified address: only it may claim that address's guest orders.
            models.UniqueConstraint(
                Lower("verified_email"),
                condition=~Q(verified_email=""),
                name="one_account_per_verified_email",
            )
        ]

    def __str__(self) -> str:
        return f"Viewer {self.user}"


class SavedAddress(models.Model):
    """Where a viewer ships to, offered at their next checkout. One per viewer for now."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_address"
    )
    name = models.CharField(max_length=150)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166 code, e.g. US.")
    phone = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "saved addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"
