"""Sign-in with a username typed in any case: viewers are named by their email in lower case, and
type it as they like ("Ada@Example.com")."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

User = get_user_model()


class UsernameInAnyCaseBackend(ModelBackend):
    """After Django's ModelBackend (settings.AUTHENTICATION_BACKENDS): a username that names no
    account exactly signs in to the one account whose username differs only in case, never to
    one of several."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not isinstance(username, str) or password is None:
            return None
        manager = User._default_manager
        if manager.filter(username=username).exists():
            return None  # ModelBackend has answered for this account
        matches = list(manager.filter(username__iexact=username)[:2])
        if len(matches) != 1:
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
