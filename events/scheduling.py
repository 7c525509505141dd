"""Planning a show in the Shopping Manager: schedule it, change what was chosen, set its run of
show. The admin and the tests both come through here; a change viewers follow is published through
events/live_state.py like a host's."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from catalog.models import Merchant
from catalog.selectors import is_platform_staff
from events import selectors
from events.errors import NotAllowed, NotInRunOfShow
from events.guards import check_slow_mode, merchant_may_host
from events.live_state import publish_change, slow_mode_change
from events.models import LiveEvent, ShowProduct

# What a brand chooses when it schedules a show; the live state is changed only by live_state.py.
SCHEDULE_FIELDS = (
    "title",
    "slug",
    "description",
    "host_name",
    "scheduled_start",
    "duration_minutes",
    "stream_url",
    "replay_url",
    "poster_url",
    "purchase_platforms",
    "chat_slow_mode_seconds",
    "chat_blocked_words",
)
# The schedule fields a viewer's page shows (the snapshot's `event`): changing one sends `event`.
VIEWER_VISIBLE_FIELDS = frozenset(
    {
        "title",
        "slug",
        "host_name",
        "scheduled_start",
        "duration_minutes",
        "purchase_platforms",
        "replay_url",
    }
)


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
        return _apply(event, fields)


def event_replay_set(*, event: LiveEvent, url: str) -> list[dict]:
    """The video ingest's recording becomes the show's replay (the ingest's callback, no person).
    Raises ValidationError for a URL that is not a replay."""
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().select_related("merchant").get(pk=event.pk)
        return _apply(event, {"replay_url": url})


def _apply(event: LiveEvent, fields: dict) -> list[dict]:
    """Inside a transaction holding the show's row: write what differs, tell viewers."""
    changed = {name: value for name, value in fields.items() if getattr(event, name) != value}
    if not changed:
        return []
    # Viewers' chat follows slow mode: it changes the way a host's change does.
    slow_mode = changed.pop("chat_slow_mode_seconds", None)
    if slow_mode is not None:
        check_slow_mode(slow_mode)
    sent = []
    if changed:
        for name, value in changed.items():
            setattr(event, name, value)
        event.full_clean(exclude=[f.name for f in LiveEvent._meta.fields if f.name not in changed])
        event.save(update_fields=list(changed))
    if changed.keys() & VIEWER_VISIBLE_FIELDS:
        sent.append(
            publish_change(event, {"type": "event", "event": selectors.event_summary(event)})
        )
    if slow_mode is not None:
        sent.append(slow_mode_change(event, slow_mode))
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
