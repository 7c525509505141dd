"""Local time for merchants: each merchant has a time zone (an IANA name such as America/New_York).

Times are stored in UTC. In the Shopping Manager, a merchant's staff enter and read times in their
merchant's zone (`tenancy.in_merchant_time_zone` wraps every admin view), so Django's forms read
typed times in that zone and show stored ones in it. `ZonedSplitDateTime` names the zone beside
each date-and-time field, and `local_datetime` shows a time with its zone's abbreviation. Platform
staff keep the site's zone (UTC).
"""

import functools
import zoneinfo
from datetime import datetime, tzinfo

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

DEFAULT_TIME_ZONE = "America/New_York"

# The zones offered in a select, by region; any other IANA zone is accepted too.
COMMON_TIME_ZONES = {
    "Americas": [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Toronto",
        "America/Vancouver",
        "America/Halifax",
        "America/St_Johns",
        "America/Mexico_City",
        "America/Bogota",
        "America/Lima",
        "America/Santiago",
        "America/Sao_Paulo",
        "America/Argentina/Buenos_Aires",
    ],
    "Europe": [
        "Europe/London",
        "Europe/Dublin",
        "Europe/Lisbon",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Madrid",
        "Europe/Rome",
        "Europe/Amsterdam",
        "Europe/Brussels",
        "Europe/Zurich",
        "Europe/Stockholm",
        "Europe/Warsaw",
        "Europe/Athens",
        "Europe/Helsinki",
        "Europe/Istanbul",
        "Europe/Moscow",
    ],
    "Africa and Middle East": [
        "Africa/Lagos",
        "Africa/Cairo",
        "Africa/Johannesburg",
        "Africa/Nairobi",
        "Asia/Jerusalem",
        "Asia/Dubai",
    ],
    "Asia and Pacific": [
        "Asia/Kolkata",
        "Asia/Bangkok",
        "Asia/Jakarta",
        "Asia/Singapore",
        "Asia/Manila",
        "Asia/Hong_Kong",
        "Asia/Shanghai",
        "Asia/Seoul",
        "Asia/Tokyo",
        "Australia/Perth",
        "Australia/Brisbane",
        "Australia/Sydney",
        "Australia/Melbourne",
        "Pacific/Auckland",
    ],
    "Other": ["UTC"],
}


@functools.cache
def _available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return isinstance(name, str) and name in _available()


def validate_time_zone(name: str) -> None:
    if not is_time_zone(name):
        raise ValidationError(
            f"'{name}' is not a time zone; choose one such as America/New_York.",
            code="invalid_time_zone",
        )


def zone_label(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" -> "America/Argentina/Buenos Aires", for a select."""
    return name.replace("_", " ")


def zone_named(zone: tzinfo, at: datetime | None = None) -> str:
    """ "America/New_York (EST)": the zone's name and its abbreviation at `at` (default: now)."""
    at = timezone.localtime(at, zone) if at is not None else timezone.localtime(timezone=zone)
    name = getattr(zone, "key", None) or str(zone)
    abbreviation = at.tzname()
    return name if not abbreviation or abbreviation == name else f"{name} ({abbreviation})"


def local_datetime(value: datetime | None) -> str:
    """A stored time as read in the current zone, with its abbreviation: "Jan. 15, 2026, 7 p.m. EST"."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


class TimeZoneSelect(forms.Select):
    """The common zones by region, plus the chosen one when it is not among them."""

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        chosen = next((v for v in value if v), None)
        offered = {str(choice) for group in COMMON_TIME_ZONES.values() for choice in group}
        if chosen and chosen not in offered and is_time_zone(chosen):
            option = self.create_option(name, chosen, zone_label(chosen), True, len(groups))
            groups.append((None, [option], len(groups)))
        return groups


class TimeZoneField(forms.ChoiceField):
    """A select of common time zones that accepts any IANA zone (the browser's own, say)."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs):
        choices = [
            (region, [(name, zone_label(name)) for name in names])
            for region, names in COMMON_TIME_ZONES.items()
        ]
        kwargs.setdefault("label", "Time zone")
        super().__init__(choices=choices, **kwargs)

    def valid_value(self, value):
        return is_time_zone(value)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        validate_time_zone(value)


class ZonedSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, with the zone they are read in named beside them."""

    def render(self, name, value, attrs=None, renderer=None):
        inputs = super().render(name, value, attrs, renderer)
        at = value if isinstance(value, datetime) and timezone.is_aware(value) else None
        # One box, so that the admin's row puts the zone under the inputs, not beside them.
        return format_html(
            '<div class="zoned-datetime">{}<span class="time-zone">Time zone: {}</span></div>',
            inputs,
            zone_named(timezone.get_current_timezone(), at),
        )
