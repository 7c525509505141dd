"""The sign-in forms of the site (/accounts/login/) and of the Shopping Manager (/admin/login/).

Accounts are named by their email address: merchant staff since onboarding (catalog/services.py
creates them with username = email), viewers since sign-up. So the form asks for the email address,
and the browser offers the saved one.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts import selectors


class EmailSignInMixin:
    invalid_login = "That email address and password do not match an account."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email address"
        # Not type="email": the demo's accounts (and platform staff's) have plain usernames.
        username.widget.attrs.update(
            autocomplete="username", inputmode="email", autocapitalize="none", spellcheck="false"
        )
        self.error_messages = {**self.error_messages, "invalid_login": self.invalid_login}

    def confirm_login_allowed(self, user):
        """A viewer's new account signs in only once its email is verified (its link signs it in),
        and is refused until then as a wrong password is: otherwise signing up with an address and
        then signing in with the password chosen would tell whether the address had an account."""
        super().confirm_login_allowed(user)
        if selectors.verification_pending(user):
            raise self.get_invalid_login_error()


class SignInForm(EmailSignInMixin, AuthenticationForm):
    pass


class ShoppingManagerSignInForm(EmailSignInMixin, AdminAuthenticationForm):
    invalid_login = "That email address and password do not match a Shopping Manager account."


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """The name failed sign-ins are counted under (django-axes, AXES_USERNAME_CALLABLE): the
    username as typed, in any case, since an account signs in with its name in any case
    (accounts/backends.py): "Ada@Example.com" and "ada@example.com" fail against one account."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    username = source.get("username")
    return username.strip().casefold() if isinstance(username, str) else username
