"""The host's commands and the other changes of a running show: go live or end, feature a product,
banner, announcement, slow mode, the run of show repriced, stock, viewer counts.

Each numbered change goes through events/live_state.py (the next `seq`, broadcast after the
commit), once events/guards.py has checked who asks and what. The websocket and the console reach
the host's commands through events/commands.py.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from events import realtime, selectors
from events.errors import InvalidInput, InvalidTransition, NotInRunOfShow
from events.guards import check_slow_mode, is_whole_number, locked_for_host, one_line, require_open
from events.live_state import publish_change, slow_mode_change
from events.models import LiveEvent, ViewerCount

log = logging.getLogger(__name__)

BANNER_MAX_LENGTH = 140
# How long the last stock state announced per show and product is remembered.
STOCK_MEMORY_SECONDS = 24 * 3600
ANNOUNCEMENT_MAX_LENGTH = 280

Status = LiveEvent.Status
# status -> statuses it may move to
TRANSITIONS = {
    Status.SCHEDULED: {Status.LIVE, Status.CANCELLED},
    Status.LIVE: {Status.ENDED},
    # Resuming: "End show" can be undone for LIVESHOP_END_UNDO_SECONDS (an ended show's banner,
    # announcement and featured product are kept, only not shown, so it resumes where it was).
    Status.ENDED: {Status.LIVE},
    Status.CANCELLED: set(),
}


def event_transition(*, event: LiveEvent, to: str, by: AbstractBaseUser) -> dict:
    """Go live, end, or cancel the show. Raises NotAllowed, InvalidTransition."""
    with transaction.atomic():
        event = locked_for_host(event, by)
        if to not in TRANSITIONS[event.status]:
            raise InvalidTransition(
                f"A {event.get_status_display().lower()} show cannot become {Status(to).label.lower()}."
                if to in Status.values
                else "Unknown status."
            )
        fields = {"status": to}
        if event.status == Status.ENDED:
            _require_resumable(event)
            fields["ended_at"] = None
        elif to == Status.LIVE:
            fields["started_at"] = timezone.now()
        elif to in (Status.ENDED, Status.CANCELLED):
            fields["ended_at"] = timezone.now()
        message = {"type": "status", "status": to, "ended_at": _iso(fields.get("ended_at"))}
        if to in (Status.ENDED, Status.CANCELLED):
            # Nobody watches a show that is over (the count comes back if it resumes).
            ViewerCount.objects.filter(event_id=event.pk).update(count=0)
            message["viewers"] = 0
        if event.run_of_show.filter(live_price__isnull=False).exists():
            # Flash deals start or end with the live show: the products come repriced.
            event.status = to
            message["products"] = selectors.show_product_summaries(event)
        return publish_change(event, message, **fields)


def _require_resumable(event: LiveEvent) -> None:
    window = settings.LIVESHOP_END_UNDO_SECONDS
    if event.ended_at is None or timezone.now() - event.ended_at > timedelta(seconds=window):
        raise InvalidTransition(
            f"The show ended more than {window:.0f} seconds ago; it can no longer be resumed."
        )


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def event_feature_product(
    *, event: LiveEvent, product_id: int | None, by: AbstractBaseUser
) -> dict:
    """Show `product_id` in every viewer's banner (None clears it).

    Raises NotAllowed, InvalidTransition (show over), NotInRunOfShow, InvalidInput.
    """
    if product_id is not None and not is_whole_number(product_id):
        raise InvalidInput("Choose a product of the run of show.")
    with transaction.atomic():
        event = locked_for_host(event, by)
        require_open(event)
        summary = None
        if product_id is not None:
            summary = selectors.show_product_summary(event, product_id)
            if summary is None:
                raise NotInRunOfShow("That product is not in this show's run of show.")
        return publish_change(
            event, {"type": "featured", "product": summary}, featured_product_id=product_id
        )


def event_set_banner(*, event: LiveEvent, text: str, by: AbstractBaseUser) -> dict:
    text = one_line(text, BANNER_MAX_LENGTH, "The banner")
    with transaction.atomic():
        event = locked_for_host(event, by)
        require_open(event)
        return publish_change(event, {"type": "banner", "text": text}, banner_text=text)


def event_set_announcement(*, event: LiveEvent, text: str, by: AbstractBaseUser) -> dict:
    text = one_line(text, ANNOUNCEMENT_MAX_LENGTH, "The announcement")
    with transaction.atomic():
        event = locked_for_host(event, by)
        require_open(event)
        return publish_change(event, {"type": "announcement", "text": text}, announcement=text)


def event_stream_report(*, event: LiveEvent, receiving: bool) -> dict | None:
    """The video ingest's word that the show's stream arrived or stopped (ingest/ calls this; it
    is not a person's command). Viewers of a live show whose stream stopped see that the host's
    video is reconnecting; the show itself is never ended by it. None when nothing changed."""
    state = "receiving" if receiving else "stopped"
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().get(pk=event.pk)
        if event.stream_state == state:
            return None
        return publish_change(event, {"type": "stream", "state": state}, stream_state=state)


def event_set_slow_mode(*, event: LiveEvent, seconds: int, by: AbstractBaseUser) -> dict:
    """Set the seconds a viewer waits between chat messages. Raises NotAllowed, InvalidInput."""
    check_slow_mode(seconds)
    with transaction.atomic():
        event = locked_for_host(event, by)
        return slow_mode_change(event, seconds)


def event_products_changed(*, event: LiveEvent) -> dict:
    """Send viewers the run of show again once it was edited (the admin's run-of-show inline):
    products added, removed, reordered or given a flash deal. A numbered change."""
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().get(pk=event.pk)
        products = selectors.show_product_summaries(event)
        return publish_change(event, {"type": "products", "products": products})


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
    """Tell the viewers of every open show with these products their new stock state.

    Viewers see a state ("In stock", "Only 3 left", "Sold out"), not a count: during a flash sale
    most sales leave it as it was, so a product is announced only when its state differs from the
    last one announced (remembered in the cache). The show's row, which every announcement locks,
    then stays free for the host. The state is read again under the lock, so announcements follow
    the order of the stock they read.
    """
    product_ids = set(product_ids)
    events = LiveEvent.objects.filter(
        status__in=[Status.SCHEDULED, Status.LIVE], run_of_show__product_id__in=product_ids
    ).distinct()
    for event in events:
        states = {
            pk: selectors.stock_state(available)
            for pk, available in selectors.show_stock(event, product_ids).items()
        }
        changed = [pk for pk, state in states.items() if _announced(event, pk) != state]
        if not changed:
            continue
        with transaction.atomic():
            event = LiveEvent.objects.select_for_update().get(pk=event.pk)
            for pk, available in sorted(selectors.show_stock(event, changed).items()):
                state = selectors.stock_state(available)
                publish_change(event, {"type": "stock", "product_id": pk, "stock": state})
                key = _announced_key(event, pk)
                transaction.on_commit(lambda key=key, state=state: _remember(key, state))


def _announced_key(event: LiveEvent, product_id: int) -> str:
    # The show's creation time makes the key unique even where ids are reused.
    return f"stock-announced:{event.pk}:{event.created_at.timestamp()}:{product_id}"


def _announced(event: LiveEvent, product_id: int) -> dict | None:
    try:
        return cache.get(_announced_key(event, product_id))
    except Exception:  # the cache is down: announce, as before there was one
        return None


def _remember(key: str, state: dict) -> None:
    try:
        cache.set(key, state, timeout=STOCK_MEMORY_SECONDS)
    except Exception:
        log.warning("Stock state %s not remembered: the cache is unavailable", key)
