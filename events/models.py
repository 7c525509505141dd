"""Live shows: scheduled events of a verified brand, their run of show, and their chat."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from catalog.models import Merchant, Product


class Platform(models.TextChoices):
    IOS = "ios", "iOS"
    DESKTOP = "desktop", "Desktop"
    ANDROID = "android", "Android"


def default_purchase_platforms() -> list[str]:
    return [Platform.IOS, Platform.DESKTOP]


def is_web_address(value: str) -> bool:
    """An http(s) URL with a host, or a path on this site. Never a backslash or a space:
    browsers read "/\\host/x" as "//host/x", another site."""
    if "\\" in value or any(c.isspace() or ord(c) < 32 for c in value):
        return False
    if value.startswith("/"):
        return not value.startswith("//")
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an address urllib cannot read ("http://[::1")
        return False


def validate_hls_url(value: str) -> None:
    """An https:// (or http://) playlist URL from any provider, or a path on this site."""
    if not is_web_address(value):
        raise ValidationError("Enter the stream's full address, starting with https://.")
    path = value.split("?", 1)[0].split("#", 1)[0]
    if not path.endswith(".m3u8"):
        raise ValidationError("The stream must be an HLS playlist: a URL ending in .m3u8.")


def validate_replay_url(value: str) -> None:
    """The show's recording: an HLS playlist or an MP4 file, by URL or a path on this site."""
    if not value:
        return
    if not is_web_address(value):
        raise ValidationError("Enter the replay's full address, starting with https://.")
    path = value.split("?", 1)[0].split("#", 1)[0]
    if not path.endswith((".m3u8", ".mp4")):
        raise ValidationError("The replay must be an HLS playlist (.m3u8) or an MP4 file (.mp4).")


def validate_poster_url(value: str) -> None:
    if value and not is_web_address(value):
        raise ValidationError("Enter the image's full address, starting with https://.")


def validate_platforms(value) -> None:
    if not isinstance(value, list) or not all(p in Platform.values for p in value):
        raise ValidationError(f"Choose platforms among: {', '.join(Platform.values)}.")


class LiveEvent(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    host_name = models.CharField(
        "host display name", max_length=120, help_text="Shown to viewers, e.g. a celebrity host."
    )
    scheduled_start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED)
    stream_url = models.CharField(
        "stream playback URL",
        max_length=500,
        validators=[validate_hls_url],
        help_text="The HLS playlist (.m3u8) from your streaming provider.",
    )
    # What the video ingest last said of this show's stream (ingest/): "" when the show plays an
    # HLS URL from elsewhere or the ingest has not heard of it; changed only by live_state.
    stream_state = models.CharField(
        max_length=10,
        blank=True,
        editable=False,
        choices=[("receiving", "Receiving"), ("stopped", "Stopped")],
    )
    replay_url = models.CharField(
        "replay URL",
        max_length=500,
        blank=True,
        validators=[validate_replay_url],
        help_text="The show's recording (.m3u8 or .mp4): viewers of the ended show can watch it.",
    )
    poster_url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_poster_url],
        help_text="Image shown before the video plays (https:// URL).",
    )
    purchase_platforms = models.JSONField(
        default=default_purchase_platforms,
        validators=[validate_platforms],
        help_text="Platforms whose viewers may buy during the show.",
    )
    products = models.ManyToManyField(Product, through="ShowProduct", related_name="events")
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The live state every viewer follows; changed only by events/live_state.py.
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    featured_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    banner_text = models.CharField(max_length=140, blank=True, editable=False)
    announcement = models.CharField(max_length=280, blank=True, editable=False)
    # The recent changes of what viewers see over the video (featured product, banner text,
    # announcement), with the server time of each: a viewer whose video is seconds behind sees
    # what the host showed at the moment their video is at (live_state.stage_history_after).
    stage_history = models.JSONField(default=list, blank=True, editable=False)
    chat_slow_mode_seconds = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(600)]
    )
    chat_blocked_words = models.TextField(
        blank=True, help_text="One word or phrase per line; messages containing one are refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_start"]
        indexes = [models.Index(fields=["merchant", "status", "scheduled_start"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:event", args=[self.slug])

    @property
    def blocked_words(self) -> list[str]:
        return [w.strip().lower() for w in self.chat_blocked_words.splitlines() if w.strip()]


class ViewerCount(models.Model):
    """How many people watch a show, across server processes (reported by events/realtime.py).

    A row of its own rather than a column of LiveEvent: a busy show's count is rewritten every few
    seconds, and that must neither wait for the lock each host command takes on the show's row nor
    move its `seq`. No database foreign key either, so that writing the first count does not wait
    for that lock (PostgreSQL checks a foreign key by locking the row it points to); Django still
    deletes the count with its show.
    """

    event = models.OneToOneField(
        LiveEvent,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} watching"


class ShowProduct(models.Model):
    """One product of the run of show, in the order the host plans to present them."""

    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="run_of_show")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="show_entries")
    position = models.PositiveSmallIntegerField(default=0)
    # A flash deal: a price that holds only while the show is live, and a limit per customer.
    live_price = models.PositiveIntegerField(
        null=True, blank=True, help_text="Live-only price in minor units (1999 = 19.99)."
    )
    per_customer_limit = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most units of this product one customer may buy."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "product"],
                name="show_product_once_per_event",
                violation_error_message="This product is already in the run of show.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.product}"


class ChatMessage(models.Model):
    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="chat_messages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author_name = models.CharField(max_length=150)
    body = models.CharField(max_length=500)
    is_brand = models.BooleanField(default=False, help_text="Written by the brand's staff.")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "deleted_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"


class ChatRestriction(models.Model):
    """A viewer muted (may watch and read) or banned (removed from the chat) for one show."""

    class Kind(models.TextChoices):
        MUTE = "mute", "Muted"
        BAN = "ban", "Banned"

    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="chat_restrictions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_chat_restriction_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display().lower()} in {self.event}"
