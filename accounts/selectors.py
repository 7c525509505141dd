"""Reads about viewer accounts: whether an address is verified, the address to ship to."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from accounts.models import SavedAddress, ViewerAccount

User = get_user_model()

# SavedAddress field -> the checkout contact form's field (checkout/forms.py ContactForm).
ADDRESS_FIELDS = {
    "name": "shipping_name",
    "line1": "shipping_line1",
    "line2": "shipping_line2",
    "city": "shipping_city",
    "region": "shipping_region",
    "postal_code": "shipping_postal_code",
    "country": "shipping_country",
    "phone": "shipping_phone",
}


def _named(email: str):
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))


def account_exists(email: str) -> bool:
    """Whether any user (a viewer or merchant staff) is already named by, or reads, `email`."""
    return _named(email).exists()


def account_named(email: str) -> AbstractBaseUser | None:
    """The user (a viewer or merchant staff) named by, or reading, `email`, in any case: the
    one named by it exactly when several differ only in case; None when there is none."""
    users = list(_named(email).order_by("pk")[:5])
    exact = [user for user in users if user.username == email.lower()]
    return (exact or users or [None])[0]


def verified_email(user: AbstractBaseUser) -> str | None:
    """The address `user` proved they read, if it is still their address; else None."""
    if not user.is_authenticated or not user.email:
        return None
    account = ViewerAccount.objects.filter(user=user).first()
    if account is None or not account.verified_email:
        return None
    if account.verified_email.lower() != user.email.lower():
        return None
    return account.verified_email


def verification_pending(user: AbstractBaseUser) -> bool:
    """Whether `user` is a viewer who has not verified their current address yet (merchant
    staff, who have no viewer account, never are)."""
    if not user.is_authenticated:
        return False
    account = ViewerAccount.objects.filter(user=user).first()
    if account is None:
        return False
    return account.verified_email.lower() != user.email.lower()


def saved_address(user: AbstractBaseUser) -> dict | None:
    """The viewer's saved address, keyed by the checkout contact form's field names, with their
    email under "email"; None for a guest or a viewer who saved none."""
    if not user.is_authenticated:
        return None
    address = SavedAddress.objects.filter(user=user).first()
    if address is None:
        return None
    data = {"email": user.email}
    data.update(
        {form_field: getattr(address, field) for field, form_field in ADDRESS_FIELDS.items()}
    )
    return data
