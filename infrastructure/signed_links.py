"""Links that carry a signed value and expire (an email's verification, an order's page): signed
with SECRET_KEY and a salt of their own, so a token made for one use is refused by another."""

from datetime import timedelta

from django.core import signing


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


class SignedLink:
    def __init__(self, *, salt: str, max_age: timedelta):
        self.salt = salt
        self.max_age = max_age

    def token(self, value) -> str:
        return signing.dumps(value, salt=self.salt, compress=True)

    def value(self, token: str):
        """The value `token` was made for. Raises LinkExpired, LinkInvalid (tampered, not ours)."""
        try:
            return signing.loads(token, salt=self.salt, max_age=self.max_age)
        except signing.SignatureExpired:
            raise LinkExpired from None
        except signing.BadSignature:
            raise LinkInvalid from None
