"""A show's stream key (stored hashed) and the name its video is played under."""

from django.db import models

from events.models import LiveEvent


class StreamKey(models.Model):
    """What a brand types in OBS for one show. Only its SHA-256 is kept: the key is shown once,
    when made; rotating makes a new one and the old one stops working at once. The HLS stream is
    named by `playback_id`, never by the key, so watching a show never reveals it."""

    event = models.OneToOneField(LiveEvent, on_delete=models.CASCADE, related_name="stream_key")
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=4, help_text="The key's last characters.")
    playback_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now=True)
    # The ingest's latest word on the stream: publishing since, or stopped at.
    publishing_since = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Stream key …{self.key_hint} of {self.event}"


class Recording(models.Model):
    """A file nginx recorded of a show's stream, once stored (an MP4 through the storage API)."""

    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="recordings")
    file = models.FileField(upload_to="recordings/")
    duration_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Recording of {self.event} at {self.created_at:%Y-%m-%d %H:%M}"
