"""Demo shows for Waltmart: one live now, one scheduled a few days ahead."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.templatetags.static import static
from django.utils import timezone

from catalog.models import Merchant, Product
from events import scheduling
from events.models import LiveEvent

EASTERN = ZoneInfo("America/New_York")

LIVE_PRODUCTS = [
    "noise-cancelling-headphones",
    "wireless-earbuds-pro",
    "55-inch-oled-tv",
    "robot-vacuum",
    "air-fryer-xl",
    "puffer-jacket",
    "led-string-lights",
    "weighted-blanket",
]
PREVIEW_PRODUCTS = [
    "pre-lit-christmas-tree-7-ft",
    "holiday-wreath",
    "velvet-stocking",
    "ceramic-nutcracker",
]


def _next_evening(days_ahead: int) -> datetime:
    """7 PM Eastern, `days_ahead` days from today."""
    day = timezone.now().astimezone(EASTERN).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(19, 0), tzinfo=EASTERN)


@transaction.atomic
def seed_shows(merchant: Merchant) -> list[LiveEvent]:
    clip, poster = static("demo/clip/index.m3u8"), static("demo/clip/poster.jpg")
    live, _ = LiveEvent.objects.update_or_create(
        slug="cyber-week-live",
        defaults={
            "merchant": merchant,
            "title": "Cyber Week Live",
            "description": "Thirty minutes of Cyber Week deals, live with Jason Derulo.",
            "host_name": "Jason Derulo",
            "scheduled_start": timezone.now() - timedelta(minutes=5),
            "duration_minutes": 30,
            "status": LiveEvent.Status.LIVE,
            "started_at": timezone.now() - timedelta(minutes=5),
            "ended_at": None,
            "stream_url": clip,
            "poster_url": poster,
            "banner_text": "Cyber Week: deals end when the show does",
        },
    )
    preview, _ = LiveEvent.objects.update_or_create(
        slug="holiday-home-preview",
        defaults={
            "merchant": merchant,
            "title": "Holiday Home Preview",
            "description": "Trees, wreaths and everything to make the house glow.",
            "host_name": "Martha Stewart",
            "scheduled_start": _next_evening(3),
            "duration_minutes": 30,
            "status": LiveEvent.Status.SCHEDULED,
            "started_at": None,
            "ended_at": None,
            "stream_url": clip,
            "poster_url": poster,
        },
    )
    for event, slugs in ((live, LIVE_PRODUCTS), (preview, PREVIEW_PRODUCTS)):
        products = dict(
            Product.objects.filter(merchant=merchant, slug__in=slugs).values_list("slug", "pk")
        )
        scheduling.run_of_show_set(
            event=event, product_ids=[products[s] for s in slugs if s in products]
        )
    LiveEvent.objects.filter(pk=live.pk).update(
        featured_product_id=Product.objects.get(merchant=merchant, slug=LIVE_PRODUCTS[0]).pk
    )
    return [live, preview]
