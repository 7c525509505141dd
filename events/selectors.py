"""Reads for live shows. `event_state` builds both the event page and the websocket snapshot."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from catalog.models import Membership, Product, ProductImage, Variant
from catalog.templatetags.catalog_tags import money
from events.models import ChatMessage, ChatRestriction, LiveEvent, ViewerCount
from events.purchase_rules import deal_is_on, viewer_price

LOW_STOCK = 5
CHAT_BACKLOG = 50
HOST_ROLES = (Membership.Role.OWNER, Membership.Role.HOST)


def public_event(slug: str) -> LiveEvent:
    """An event viewers may open: of a verified merchant, or 404."""
    event = open_event(slug)
    if event is None:
        raise Http404("No such show.")
    return event


def open_event(slug: str) -> LiveEvent | None:
    """The event viewers may open (of a verified merchant), or None."""
    return (
        LiveEvent.objects.filter(slug=slug, merchant__is_verified=True)
        .select_related("merchant")
        .first()
    )


PAST_SHOWS_LISTED = 12


def listed_events() -> dict[str, list[LiveEvent]]:
    """Shows for the public lists, of verified brands: live now (each with `viewers`, the last
    count), scheduled ones not long overdue, and the latest that ended (they stay listed, with
    their products still for sale)."""
    shows = LiveEvent.objects.filter(merchant__is_verified=True).select_related("merchant")
    live = shows.filter(status=LiveEvent.Status.LIVE).annotate(viewers=viewer_count())
    return {
        "live": list(live.order_by("started_at")),
        "upcoming": list(
            shows.filter(
                status=LiveEvent.Status.SCHEDULED,
                scheduled_start__gte=timezone.now() - timedelta(hours=6),
            ).order_by("scheduled_start")
        ),
        "past": list(
            shows.filter(status=LiveEvent.Status.ENDED).order_by("-ended_at")[:PAST_SHOWS_LISTED]
        ),
    }


def can_host_for(user: AbstractBaseUser | AnonymousUser, *, merchant_id: int) -> bool:
    """Is `user` an owner or host of this verified brand? Reads the database every time, so an
    account deactivated mid-show loses it at once."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        user__is_active=True,
        merchant_id=merchant_id,
        merchant__is_verified=True,
        role__in=HOST_ROLES,
    ).exists()


def can_host(user: AbstractBaseUser | AnonymousUser, event: LiveEvent) -> bool:
    return can_host_for(user, merchant_id=event.merchant_id)


def is_brand_staff(user: AbstractBaseUser | AnonymousUser, event: LiveEvent) -> bool:
    """Any role at the event's brand (their chat messages are marked as the brand's)."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, user__is_active=True, merchant_id=event.merchant_id
    ).exists()


def chat_restriction(*, event: LiveEvent, user_id: int) -> str | None:
    return (
        ChatRestriction.objects.filter(event=event, user_id=user_id)
        .values_list("kind", flat=True)
        .first()
    )


def stock_state(available: int | None) -> dict:
    """How a viewer sees stock: plenty, only a few left (with the number), or sold out."""
    available = max(available or 0, 0)
    if available == 0:
        return {"state": "sold_out", "left": 0}
    if available <= LOW_STOCK:
        return {"state": "low", "left": available}
    return {"state": "in_stock", "left": None}


def show_stock(event: LiveEvent, product_ids: Iterable[int]) -> dict[int, int]:
    """{product id: units available} for these products of the run of show (active ones only):
    what `show_products` annotates as `available`, without the rest."""
    return dict(
        Product.objects.filter(
            pk__in=product_ids, show_entries__event=event, status=Product.Status.ACTIVE
        )
        .annotate(available=Sum(F("variants__stock_on_hand") - F("variants__reserved")))
        .values_list("pk", "available")
    )


def show_products(event: LiveEvent) -> QuerySet[Product]:
    """The run of show in order, each annotated with its price, currency, stock and cover image.

    Only active products: a draft or archived one in the run of show is not shown, nor featured.
    """
    return (
        Product.objects.filter(show_entries__event=event, status=Product.Status.ACTIVE)
        .annotate(
            from_price=Min("variants__price"),
            available=Sum(F("variants__stock_on_hand") - F("variants__reserved")),
            currency=Subquery(
                Variant.objects.filter(product=OuterRef("pk"))
                .order_by("price")
                .values("currency")[:1]
            ),
            run_position=Min("show_entries__position", filter=Q(show_entries__event=event)),
            live_price=Min("show_entries__live_price", filter=Q(show_entries__event=event)),
        )
        .select_related("merchant")  # for each product's URL
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("run_position", "pk")
    )


def product_summary(product: Product, *, status: str) -> dict:
    """What a viewer needs to show a product in the banner or the purchase tab.

    `product` comes from `show_products` (annotated with price, live price, currency and stock);
    `status` is the show's, which decides whether a flash deal's price holds (purchase_rules).
    """
    images = list(product.images.all())
    currency = product.currency or "USD"
    deal = deal_is_on(status=status, live_price=product.live_price)
    price = viewer_price(
        status=status, live_price=product.live_price, catalog_price=product.from_price
    )
    return {
        "id": product.pk,
        "title": product.title,
        "url": product.get_absolute_url(),
        "image": images[0].thumbnail_url(480) if images else None,
        "price": price,
        "currency": currency,
        "price_display": money(price, currency),
        "deal": deal,
        "regular_price_display": money(product.from_price, currency) if deal else None,
        "stock": stock_state(product.available),
    }


def show_product_summary(event: LiveEvent, product_id: int) -> dict | None:
    product = show_products(event).filter(pk=product_id).first()
    return product_summary(product, status=event.status) if product else None


def show_product_summaries(event: LiveEvent) -> list[dict]:
    """The purchase tab: every product of the run of show, priced for the show's status now."""
    return [product_summary(p, status=event.status) for p in show_products(event)]


def chat_message_json(message: ChatMessage) -> dict:
    return {
        "id": message.pk,
        "author": message.author_name,
        "body": message.body,
        "brand": message.is_brand,
        "at": message.created_at.isoformat(),
    }


def chat_restrictions(event: LiveEvent) -> list[dict]:
    """The show's muted and banned viewers, for its hosts: named as their last message was."""
    last_name = (
        ChatMessage.objects.filter(event=event, user=OuterRef("user"))
        .order_by("-id")
        .values("author_name")[:1]
    )
    found = (
        ChatRestriction.objects.filter(event=event)
        .annotate(name=Subquery(last_name))
        .order_by("-created_at", "-id")
    )
    return [
        {"id": r.pk, "name": r.name or "A viewer", "kind": r.kind, "label": r.get_kind_display()}
        for r in found
    ]


def chat_backlog(event: LiveEvent) -> list[dict]:
    recent = ChatMessage.objects.filter(event=event, deleted_at__isnull=True).order_by("-id")[
        :CHAT_BACKLOG
    ]
    return [chat_message_json(m) for m in reversed(recent)]


def event_summary(event: LiveEvent) -> dict:
    """The show as its page presents it: the `event` of the snapshot and of an `event` change."""
    return {
        "slug": event.slug,
        "title": event.title,
        "host": event.host_name,
        "brand": event.merchant.name,
        "scheduled_start": event.scheduled_start.isoformat(),
        "duration_minutes": event.duration_minutes,
        "purchase_platforms": event.purchase_platforms,
        "ended_at": event.ended_at.isoformat() if event.ended_at else None,
        "replay_url": event.replay_url,
    }


def viewer_count() -> Coalesce:
    """For annotate(): the show's last reported viewer count (0 before the first report)."""
    reported = ViewerCount.objects.filter(event=OuterRef("pk")).values("count")[:1]
    return Coalesce(Subquery(reported), 0)


def event_state(event: LiveEvent) -> dict:
    """The full state of a show, as the `state` message and the event page's first render."""
    event = (
        LiveEvent.objects.select_related("merchant")
        .annotate(viewers=viewer_count())
        .get(pk=event.pk)
    )
    products = show_product_summaries(event)
    featured = next((p for p in products if p["id"] == event.featured_product_id), None)
    return {
        "type": "state",
        "seq": event.seq,
        "event": event_summary(event),
        "status": event.status,
        "featured": featured,
        "banner": event.banner_text,
        "announcement": event.announcement,
        "viewers": event.viewers,
        "products": products,
        "chat": chat_backlog(event),
        "slow_mode": event.chat_slow_mode_seconds,
        "stream": event.stream_state,
        # What was over the video lately, for a viewer whose video is behind (docs/realtime.md).
        "stage": {
            "max_delay": settings.LIVESHOP_VIDEO_SYNC_MAX_SECONDS,
            "history": event.stage_history,
        },
    }
