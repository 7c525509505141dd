"""The show's chat: posting, with its limits, and the host's moderation (delete, mute, ban)."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from events import selectors
from events.errors import ChatRefused, InvalidInput
from events.guards import has_control_characters, is_whole_number, locked_for_host
from events.live_state import publish_change
from events.models import ChatMessage, ChatRestriction, LiveEvent

log = logging.getLogger(__name__)

CHAT_MAX_LENGTH = 500
CHAT_RATE = (5, 10)  # at most 5 messages in 10 seconds per viewer
Status = LiveEvent.Status


def chat_post(*, event: LiveEvent, user: AbstractBaseUser, body) -> dict:
    """Post a chat message. Raises ChatRefused with the reason a person should read."""
    if not user.is_authenticated:
        raise ChatRefused("Sign in to chat.")
    user = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if user is None:
        raise ChatRefused("Your account is not active.")
    if not isinstance(body, str) or not body.strip():
        raise ChatRefused("Write a message first.")
    body = body.strip()
    if len(body) > CHAT_MAX_LENGTH:
        raise ChatRefused(f"Messages can be at most {CHAT_MAX_LENGTH} characters.")
    if has_control_characters(body, allowed="\n\t"):
        raise ChatRefused("Messages cannot contain control characters.")
    event = LiveEvent.objects.get(pk=event.pk)
    if event.status in (Status.ENDED, Status.CANCELLED):
        raise ChatRefused("The chat is closed: this show is over.")
    restriction = selectors.chat_restriction(event=event, user_id=user.pk)
    if restriction == ChatRestriction.Kind.BAN:
        raise ChatRefused("You were removed from this show's chat.")
    if restriction == ChatRestriction.Kind.MUTE:
        raise ChatRefused("The host muted you for this show.")
    is_brand = selectors.is_brand_staff(user, event)
    lowered = body.lower()
    if not is_brand and any(word in lowered for word in event.blocked_words):
        raise ChatRefused("Your message contains a word the host does not allow.")
    if not is_brand:
        _chat_throttle(event, user)
    with transaction.atomic():
        message = ChatMessage.objects.create(
            event=event,
            user=user,
            author_name=_display_name(user, event if is_brand else None),
            body=body,
            is_brand=is_brand,
        )
        return publish_change(
            LiveEvent.objects.select_for_update().get(pk=event.pk),
            {"type": "chat", "message": selectors.chat_message_json(message)},
        )


def _chat_throttle(event: LiveEvent, user: AbstractBaseUser) -> None:
    """Slow mode and the per-viewer rate, counted in the cache (Redis in production). They fail
    open: while the cache cannot be reached a message goes through uncounted, since refusing every
    viewer's chat while Redis restarts is worse than a burst of messages; blocked words, mutes and
    bans are in the database and still apply."""
    try:
        slow = event.chat_slow_mode_seconds
        if slow and not cache.add(f"chat-slow:{event.pk}:{user.pk}", 1, timeout=slow):
            raise ChatRefused(f"Slow mode is on: one message every {slow} seconds.")
        limit, window = CHAT_RATE
        key = f"chat-rate:{event.pk}:{user.pk}:{int(timezone.now().timestamp()) // window}"
        cache.add(key, 0, timeout=window * 2)
        if cache.incr(key) > limit:
            raise ChatRefused("You are sending messages too quickly; wait a few seconds.")
    except ChatRefused:
        raise
    except Exception:
        log.warning(
            "Chat limits of event %s not counted: the cache is unavailable", event.pk, exc_info=True
        )


def _display_name(user: AbstractBaseUser, brand_event: LiveEvent | None) -> str:
    name = user.get_full_name() or user.get_username().split("@")[0]
    return f"{name} ({brand_event.merchant.name})" if brand_event else name


def chat_delete(*, event: LiveEvent, message_id: int, by: AbstractBaseUser) -> dict:
    """Remove a message from every viewer's chat. Raises NotAllowed, InvalidInput."""
    with transaction.atomic():
        event = locked_for_host(event, by)
        updated = ChatMessage.objects.filter(
            pk=message_id, event=event, deleted_at__isnull=True
        ).update(deleted_at=timezone.now())
        if not updated:
            raise InvalidInput("That message does not exist in this show's chat.")
        return publish_change(event, {"type": "chat_deleted", "ids": [message_id]})


def chat_restrict(
    *, event: LiveEvent, message_id: int, kind: str | None, by: AbstractBaseUser
) -> dict | None:
    """Mute (may not post) or ban (may not post; messages removed) the author of a message.

    Viewers are named by one of their messages, so user ids never reach the browser.
    `kind=None` lifts the restriction. Raises NotAllowed, InvalidInput.
    """
    if kind not in (*ChatRestriction.Kind.values, None):
        raise InvalidInput("Choose mute, ban, or none.")
    with transaction.atomic():
        event = locked_for_host(event, by)
        message = (
            ChatMessage.objects.select_related("user").filter(pk=message_id, event=event).first()
        )
        if message is None:
            raise InvalidInput("That message does not exist in this show's chat.")
        target = message.user
        if selectors.is_brand_staff(target, event):
            raise InvalidInput("The brand's own staff cannot be muted or banned.")
        if kind is None:
            ChatRestriction.objects.filter(event=event, user=target).delete()
            return None
        ChatRestriction.objects.update_or_create(
            event=event, user=target, defaults={"kind": kind, "by": by}
        )
        if kind != ChatRestriction.Kind.BAN:
            return None
        removed = list(
            ChatMessage.objects.filter(
                event=event, user=target, deleted_at__isnull=True
            ).values_list("pk", flat=True)
        )
        if not removed:
            return None
        ChatMessage.objects.filter(pk__in=removed).update(deleted_at=timezone.now())
        return publish_change(event, {"type": "chat_deleted", "ids": removed})


def chat_unrestrict(*, event: LiveEvent, restriction_id: int, by: AbstractBaseUser) -> None:
    """Let a muted or banned viewer chat again (their removed messages stay removed).

    The console names the restriction, not the viewer, so user ids never reach the browser.
    Raises NotAllowed, InvalidInput.
    """
    if not is_whole_number(restriction_id):
        raise InvalidInput("Choose a muted or banned viewer.")
    with transaction.atomic():
        event = locked_for_host(event, by)
        deleted, _ = ChatRestriction.objects.filter(pk=restriction_id, event=event).delete()
        if not deleted:
            raise InvalidInput("That viewer is no longer muted or banned.")
