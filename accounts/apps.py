from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Viewer accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remind_to_verify, dispatch_uid="accounts.remind_to_verify")


def _remind_to_verify(sender, request, user, **kwargs):
    """A viewer who signs in before opening the link we emailed is told so on the next page."""
    from django.contrib import messages

    from accounts import selectors

    if request is None or not hasattr(request, "_messages"):
        return
    if selectors.verification_pending(user):
        messages.info(
            request,
            f"Verify your email: open the link we sent to {user.email}.",
            extra_tags="verify",
        )
