"""A merchant's time zone: asked at onboarding, kept on approval, validated with zoneinfo."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.local_time import DEFAULT_TIME_ZONE, local_datetime, zone_named
from catalog.models import Merchant, MerchantApplication

APPLICATION = {
    "business_name": "Maison Lune",
    "website": "maison-lune.example",
    "contact_name": "Claire Dubois",
    "contact_email": "claire@maison-lune.example",
    "what_they_sell": "Linen and candles.",
}


def test_the_sell_form_asks_for_a_time_zone_among_common_ones(client, db):
    page = client.get(reverse("catalog:sell")).content.decode()

    select = re.search(r'<select name="time_zone"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no time zone select"
    assert '<label for="id_time_zone">Time zone</label>' in page
    # the browser's zone is picked by a script; without it, the default is selected
    assert "data-guess-time-zone" in select.group(0)
    assert "js/time_zone_guess.js" in page
    assert re.search(r'<option value="America/New_York" selected>', select.group(1))
    for zone in ("Europe/Paris", "America/Los_Angeles", "Asia/Tokyo", "UTC"):
        assert f'<option value="{zone}"' in select.group(1)


def test_the_applicants_zone_is_kept_and_becomes_the_merchants(
    client, client_for, platform_staff, db
):
    # any IANA zone, even one not in the list (the browser's own, added by the script)
    response = client.post(reverse("catalog:sell"), APPLICATION | {"time_zone": "Europe/Vilnius"})

    assert response.status_code == 302
    application = MerchantApplication.objects.get()
    assert application.time_zone == "Europe/Vilnius"

    approval = services.application_approve(
        application=application, slug="maison-lune", reviewer=platform_staff
    )
    assert approval.merchant.time_zone == "Europe/Vilnius"


def test_an_unknown_zone_is_a_field_error(client, db):
    response = client.post(reverse("catalog:sell"), APPLICATION | {"time_zone": "../etc/passwd"})

    assert response.status_code == 400
    assert 'id="id_time_zone_error"' in response.content.decode()
    assert not MerchantApplication.objects.exists()


def test_without_a_zone_the_default_is_used(client, db):
    response = client.post(reverse("catalog:sell"), APPLICATION)

    assert response.status_code == 302
    assert MerchantApplication.objects.get().time_zone == DEFAULT_TIME_ZONE


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "america/new_york", "EST5EDT "])
def test_a_merchant_zone_is_validated_with_zoneinfo(db, zone):
    merchant = Merchant(name="Bad Zone", slug="bad-zone", time_zone=zone)

    with pytest.raises(ValidationError) as caught:
        merchant.full_clean()

    assert "time_zone" in caught.value.message_dict


def test_zones_are_named_with_their_abbreviation_at_the_time():
    new_york = ZoneInfo("America/New_York")
    assert zone_named(new_york, datetime(2030, 1, 16, tzinfo=UTC)) == "America/New_York (EST)"
    assert zone_named(new_york, datetime(2030, 7, 16, tzinfo=UTC)) == "America/New_York (EDT)"
    assert zone_named(ZoneInfo("UTC"), datetime(2030, 7, 16, tzinfo=UTC)) == "UTC"


def test_a_time_reads_in_the_current_zone_with_its_abbreviation():
    with timezone.override(ZoneInfo("Europe/Paris")):
        assert local_datetime(datetime(2030, 1, 16, tzinfo=UTC)) == "Jan. 16, 2030, 1 a.m. CET"
    assert local_datetime(None) == "—"
