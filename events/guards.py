"""What every change of a show checks before it writes: that the brand may host, that the person
is one of its hosts (read afresh, with the show's row locked), that the show is still open, and
that the input is what the protocol allows. Each raises an EventError a person can read."""

import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser

from catalog.models import Merchant
from events import selectors
from events.errors import InvalidInput, InvalidTransition, NotAllowed
from events.models import LiveEvent

SLOW_MODE_MAX_SECONDS = 600

Status = LiveEvent.Status


def merchant_may_host(merchant: Merchant) -> None:
    """Raises NotAllowed unless the merchant is a verified brand."""
    if not merchant.is_verified:
        raise NotAllowed("Only verified brands can host live shows.")


def locked_for_host(event: LiveEvent, by: AbstractBaseUser) -> LiveEvent:
    """The event, row-locked, once `by` is confirmed as one of its hosts (re-read every time)."""
    if not selectors.can_host(by, event):
        raise NotAllowed("Only the brand's hosts can run this show.")
    locked = LiveEvent.objects.select_for_update().select_related("merchant").get(pk=event.pk)
    merchant_may_host(locked.merchant)
    return locked


def require_open(event: LiveEvent) -> None:
    if event.status in (Status.ENDED, Status.CANCELLED):
        over = "has ended" if event.status == Status.ENDED else "was cancelled"
        raise InvalidTransition(f"This show {over}.")


def one_line(text, max_length: int, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text.")
    text = " ".join(text.split())
    if len(text) > max_length:
        raise InvalidInput(f"{what} can be at most {max_length} characters.")
    if has_control_characters(text):
        raise InvalidInput(f"{what} cannot contain control characters.")
    return text


def has_control_characters(text: str, *, allowed: str = "") -> bool:
    """Whether `text` holds a control character (NUL among them, which PostgreSQL cannot store)
    other than those `allowed`."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def is_whole_number(value) -> bool:
    """An int from JSON, and not a bool (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_slow_mode(seconds) -> None:
    if not is_whole_number(seconds) or not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise InvalidInput(
            f"Slow mode is a number of seconds from 0 (off) to {SLOW_MODE_MAX_SECONDS}."
        )
