"""Writes for live shows. Each change bumps the event's `seq` and is broadcast after the commit.

This module is the only writer of a show's live state (`seq`, `status`, `featured_product`,
`banner_text`, `announcement`, the chat settings viewers follow): views, the websocket consumer and
the admin all call it. Viewer counts are the one unnumbered message (see `event_viewers_set`).
"""

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Merchant
from catalog.selectors import is_platform_staff
from events import realtime, selectors
from events.models import ChatMessage, ChatRestriction, LiveEvent, ShowProduct, ViewerCount

CHAT_MAX_LENGTH = 500
CHAT_RATE = (5, 10)  # at most 5 messages in 10 seconds per viewer
BANNER_MAX_LENGTH = 140
ANNOUNCEMENT_MAX_LENGTH = 280
# What a brand chooses when it schedules a show; the live state is changed only by the services below.
SCHEDULE_FIELDS = (
    "title",
    "slug",
    "description",
    "host_name",
    "scheduled_start",
    "duration_minutes",
    "stream_url",
    "poster_url",
    "purchase_platforms",
    "chat_slow_mode_seconds",
    "chat_blocked_words",
)
# The schedule fields a viewer's page shows (the snapshot's `event`): changing one sends `event`.
VIEWER_VISIBLE_FIELDS = frozenset(
    {"title", "slug", "host_name", "scheduled_start", "duration_minutes", "purchase_platforms"}
)
SLOW_MODE_MAX_SECONDS = 600

Status = LiveEvent.Status
# status -> statuses it may move to
TRANSITIONS = {
    Status.SCHEDULED: {Status.LIVE, Status.CANCELLED},
    Status.LIVE: {Status.ENDED},
    Status.ENDED: set(),
    Status.CANCELLED: set(),
}


class EventError(Exception):
    """A refused request; `message` is for a person, `code` for a program."""

    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(EventError):
    code = "forbidden"


class InvalidTransition(EventError):
    code = "invalid_transition"


class NotInRunOfShow(EventError):
    code = "not_in_run_of_show"


class InvalidInput(EventError):
    code = "invalid"


class ChatRefused(EventError):
    code = "chat_refused"


# --- Scheduling ----------------------------------------------------------------------------------


def merchant_may_host(merchant: Merchant) -> None:
    """Raises NotAllowed unless the merchant is a verified brand."""
    if not merchant.is_verified:
        raise NotAllowed("Only verified brands can host live shows.")


def _may_schedule(merchant: Merchant, by: AbstractBaseUser) -> None:
    """Raises NotAllowed unless `by` may plan this verified brand's shows."""
    merchant_may_host(merchant)
    if not (is_platform_staff(by) or selectors.can_host_for(by, merchant_id=merchant.pk)):
        raise NotAllowed("Only the brand's owner and hosts can schedule its shows.")


def _schedule_fields(fields: dict, doing: str) -> None:
    if unknown := fields.keys() - set(SCHEDULE_FIELDS):
        raise TypeError(f"A show cannot be {doing} with {', '.join(sorted(unknown))}.")


def event_schedule(*, merchant: Merchant, by: AbstractBaseUser, **fields) -> LiveEvent:
    """Create a scheduled show for a verified brand. Raises NotAllowed, ValidationError."""
    _schedule_fields(fields, "scheduled")
    merchant = Merchant.objects.get(pk=merchant.pk)  # verified now, not when it was read
    _may_schedule(merchant, by)
    event = LiveEvent(merchant=merchant, **fields)
    event.full_clean()
    event.save()
    return event


def event_update(*, event: LiveEvent, by: AbstractBaseUser, **fields) -> list[dict]:
    """Change what was chosen when the show was scheduled (SCHEDULE_FIELDS); nothing else.

    Only the fields that differ from the database are written (`update_fields`), so a save never
    undoes a live change made meanwhile. Viewers are told, as numbered changes: `event` when what
    their page shows changes (VIEWER_VISIBLE_FIELDS), `slow_mode` for chat_slow_mode_seconds.
    Returns those messages. Raises NotAllowed, InvalidInput, ValidationError.
    """
    _schedule_fields(fields, "changed")
    if not fields:
        return []
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().select_related("merchant").get(pk=event.pk)
        _may_schedule(event.merchant, by)
        changed = {name: value for name, value in fields.items() if getattr(event, name) != value}
        if not changed:
            return []
        # Viewers' chat follows slow mode: it changes the way a host's change does.
        slow_mode = changed.pop("chat_slow_mode_seconds", None)
        if slow_mode is not None:
            _check_slow_mode(slow_mode)
        sent = []
        if changed:
            for name, value in changed.items():
                setattr(event, name, value)
            event.full_clean(
                exclude=[f.name for f in LiveEvent._meta.fields if f.name not in changed]
            )
            event.save(update_fields=list(changed))
        if changed.keys() & VIEWER_VISIBLE_FIELDS:
            sent.append(_change(event, {"type": "event", "event": selectors.event_summary(event)}))
        if slow_mode is not None:
            sent.append(_slow_mode_change(event, slow_mode))
        return sent


def run_of_show_set(*, event: LiveEvent, product_ids: Iterable[int]) -> None:
    """Replace the run of show with these products of the event's merchant, in this order."""
    product_ids = list(dict.fromkeys(product_ids))
    owned = set(event.merchant.products.filter(pk__in=product_ids).values_list("pk", flat=True))
    if missing := [pk for pk in product_ids if pk not in owned]:
        raise NotInRunOfShow(f"Products {missing} are not products of {event.merchant}.")
    with transaction.atomic():
        ShowProduct.objects.filter(event=event).delete()
        ShowProduct.objects.bulk_create(
            ShowProduct(event=event, product_id=pk, position=n) for n, pk in enumerate(product_ids)
        )


# --- Running the show ----------------------------------------------------------------------------


def _locked_for_host(event: LiveEvent, by: AbstractBaseUser) -> LiveEvent:
    """The event, row-locked, once `by` is confirmed as one of its hosts (re-read every time)."""
    if not selectors.can_host(by, event):
        raise NotAllowed("Only the brand's hosts can run this show.")
    locked = LiveEvent.objects.select_for_update().select_related("merchant").get(pk=event.pk)
    merchant_may_host(locked.merchant)
    return locked


def _change(event: LiveEvent, message: dict, **fields) -> dict:
    """Inside a transaction: write `fields`, take the next seq, broadcast `message` on commit."""
    LiveEvent.objects.filter(pk=event.pk).update(seq=F("seq") + 1, **fields)
    event.seq = LiveEvent.objects.values_list("seq", flat=True).get(pk=event.pk)
    for name, value in fields.items():
        setattr(event, name, value)
    message = {**message, "seq": event.seq}
    # robust: the change is committed; a broadcast that fails is logged, and clients resync.
    transaction.on_commit(lambda: realtime.publish(event.pk, message), robust=True)
    return message


def event_transition(*, event: LiveEvent, to: str, by: AbstractBaseUser) -> dict:
    """Go live, end, or cancel the show. Raises NotAllowed, InvalidTransition."""
    with transaction.atomic():
        event = _locked_for_host(event, by)
        if to not in TRANSITIONS[event.status]:
            raise InvalidTransition(
                f"A {event.get_status_display().lower()} show cannot become {Status(to).label.lower()}."
                if to in Status.values
                else "Unknown status."
            )
        fields = {"status": to}
        if to == Status.LIVE:
            fields["started_at"] = timezone.now()
        elif to in (Status.ENDED, Status.CANCELLED):
            fields["ended_at"] = timezone.now()
        message = {"type": "status", "status": to}
        if event.run_of_show.filter(live_price__isnull=False).exists():
            # Flash deals start or end with the live show: the products come repriced.
            event.status = to
            message["products"] = selectors.show_product_summaries(event)
        return _change(event, message, **fields)


def event_feature_product(
    *, event: LiveEvent, product_id: int | None, by: AbstractBaseUser
) -> dict:
    """Show `product_id` in every viewer's banner (None clears it).

    Raises NotAllowed, InvalidTransition (show over), NotInRunOfShow, InvalidInput.
    """
    if product_id is not None and (not isinstance(product_id, int) or isinstance(product_id, bool)):
        raise InvalidInput("Choose a product of the run of show.")
    with transaction.atomic():
        event = _locked_for_host(event, by)
        _require_open(event)
        summary = None
        if product_id is not None:
            summary = selectors.show_product_summary(event, product_id)
            if summary is None:
                raise NotInRunOfShow("That product is not in this show's run of show.")
        return _change(
            event, {"type": "featured", "product": summary}, featured_product_id=product_id
        )


def event_set_banner(*, event: LiveEvent, text: str, by: AbstractBaseUser) -> dict:
    text = _one_line(text, BANNER_MAX_LENGTH, "The banner")
    with transaction.atomic():
        event = _locked_for_host(event, by)
        _require_open(event)
        return _change(event, {"type": "banner", "text": text}, banner_text=text)


def event_set_announcement(*, event: LiveEvent, text: str, by: AbstractBaseUser) -> dict:
    text = _one_line(text, ANNOUNCEMENT_MAX_LENGTH, "The announcement")
    with transaction.atomic():
        event = _locked_for_host(event, by)
        _require_open(event)
        return _change(event, {"type": "announcement", "text": text}, announcement=text)


def event_set_slow_mode(*, event: LiveEvent, seconds: int, by: AbstractBaseUser) -> dict:
    """Set the seconds a viewer waits between chat messages. Raises NotAllowed, InvalidInput."""
    _check_slow_mode(seconds)
    with transaction.atomic():
        event = _locked_for_host(event, by)
        return _slow_mode_change(event, seconds)


def _check_slow_mode(seconds) -> None:
    whole = isinstance(seconds, int) and not isinstance(seconds, bool)
    if not whole or not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise InvalidInput(
            f"Slow mode is a number of seconds from 0 (off) to {SLOW_MODE_MAX_SECONDS}."
        )


def _slow_mode_change(event: LiveEvent, seconds: int) -> dict:
    """Inside a transaction holding the show's row: the slow mode change every writer sends."""
    return _change(event, {"type": "slow_mode", "seconds": seconds}, chat_slow_mode_seconds=seconds)


def event_products_changed(*, event: LiveEvent) -> dict:
    """Send viewers the run of show again once it was edited (the admin's run-of-show inline):
    products added, removed, reordered or given a flash deal. A numbered change."""
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().get(pk=event.pk)
        products = selectors.show_product_summaries(event)
        return _change(event, {"type": "products", "products": products})


def event_viewers_set(*, event_id: int, count: int) -> dict:
    """Record and publish the viewer count (the realtime hub holding the presence lease calls it).

    Not a numbered change: counts arrive every few seconds and a newer one replaces an older one,
    so they take no `seq` and no lock on the show's row (every host command locks it). One
    statement on the show's ViewerCount row, which the snapshot reads.
    """
    ViewerCount.objects.bulk_create(
        [ViewerCount(event_id=event_id, count=count)],
        update_conflicts=True,
        unique_fields=["event"],
        update_fields=["count"],
    )
    message = {"type": "viewers", "count": count}
    transaction.on_commit(lambda: realtime.publish(event_id, message), robust=True)
    return message


def stock_changed(*, product_ids: Iterable[int]) -> None:
    """Tell the viewers of every open show with these products their new stock state."""
    product_ids = set(product_ids)
    events = LiveEvent.objects.filter(
        status__in=[Status.SCHEDULED, Status.LIVE], run_of_show__product_id__in=product_ids
    ).distinct()
    for event in events:
        with transaction.atomic():
            event = LiveEvent.objects.select_for_update().get(pk=event.pk)
            for product in selectors.show_products(event).filter(pk__in=product_ids):
                _change(
                    event,
                    {
                        "type": "stock",
                        "product_id": product.pk,
                        "stock": selectors.stock_state(product.available),
                    },
                )


def _require_open(event: LiveEvent) -> None:
    if event.status in (Status.ENDED, Status.CANCELLED):
        over = "has ended" if event.status == Status.ENDED else "was cancelled"
        raise InvalidTransition(f"This show {over}.")


def _one_line(text, max_length: int, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text.")
    text = " ".join(text.split())
    if len(text) > max_length:
        raise InvalidInput(f"{what} can be at most {max_length} characters.")
    return text


# --- Chat ----------------------------------------------------------------------------------------


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
        return _change(
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
        logging.getLogger(__name__).warning(
            "Chat limits of event %s not counted: the cache is unavailable", event.pk, exc_info=True
        )


def _display_name(user: AbstractBaseUser, brand_event: LiveEvent | None) -> str:
    name = user.get_full_name() or user.get_username().split("@")[0]
    return f"{name} ({brand_event.merchant.name})" if brand_event else name


def chat_delete(*, event: LiveEvent, message_id: int, by: AbstractBaseUser) -> dict:
    """Remove a message from every viewer's chat. Raises NotAllowed, InvalidInput."""
    with transaction.atomic():
        event = _locked_for_host(event, by)
        updated = ChatMessage.objects.filter(
            pk=message_id, event=event, deleted_at__isnull=True
        ).update(deleted_at=timezone.now())
        if not updated:
            raise InvalidInput("That message does not exist in this show's chat.")
        return _change(event, {"type": "chat_deleted", "ids": [message_id]})


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
        event = _locked_for_host(event, by)
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
        return _change(event, {"type": "chat_deleted", "ids": removed})


# What a host can do, by command name: the service and the arguments it takes from a message.
# The websocket and the console's HTTP endpoints both dispatch through this table.
HOST_COMMANDS = {
    "feature": (event_feature_product, {"product_id": "product_id"}),
    "banner": (event_set_banner, {"text": "text"}),
    "announcement": (event_set_announcement, {"text": "text"}),
    "status": (event_transition, {"to": "status"}),
    "slow_mode": (event_set_slow_mode, {"seconds": "seconds"}),
    "chat_delete": (chat_delete, {"message_id": "message_id"}),
    "chat_restrict": (chat_restrict, {"message_id": "message_id", "kind": "kind"}),
}
