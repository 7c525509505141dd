"""The ingest's settings fail closed: an ingest without a callback secret would let anyone who
reaches Liveshop decide who broadcasts."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def ingest_settings(app_configs, **kwargs):
    errors = []
    if settings.INGEST_RTMP_URL and not settings.INGEST_HLS_URL:
        errors.append(Error("INGEST_RTMP_URL is set without INGEST_HLS_URL.", id="ingest.E001"))
    if settings.INGEST_RTMP_URL and len(settings.INGEST_SECRET) < 16:
        errors.append(
            Error(
                "INGEST_RTMP_URL is set but INGEST_SECRET is missing or shorter than 16 "
                "characters: nginx's callbacks could not be told from anyone's.",
                id="ingest.E002",
            )
        )
    if settings.INGEST_RTMP_URL and not settings.INGEST_RTMP_URL.startswith(
        ("rtmp://", "rtmps://")
    ):
        errors.append(
            Error("INGEST_RTMP_URL must start with rtmp:// or rtmps://.", id="ingest.E003")
        )
    return errors
