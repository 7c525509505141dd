"""Show times in the Shopping Manager are the merchant's local time, named, and stored in UTC; a
show's live price is typed and shown as money."""

import html
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Membership
from events.models import LiveEvent
from tests.events.test_admin import ADD, CHANGELIST, change_url, errors, event_form_data


@pytest.fixture
def new_york(make_merchant):
    merchant = make_merchant("hudson-goods")
    merchant.time_zone = "America/New_York"
    merchant.save()
    return merchant


@pytest.fixture
def paris(make_merchant):
    merchant = make_merchant("maison-lune")
    merchant.time_zone = "Europe/Paris"
    merchant.save()
    return merchant


def page(response) -> str:
    return html.unescape(response.content.decode())


def input_value(text: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', text)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def zone_note(text: str) -> str:
    match = re.search(r'<span class="time-zone">(.*?)</span>', text)
    assert match, "no time zone named beside the time"
    return match.group(1)


def show_at(merchant, start: datetime, slug: str = "evening-show") -> LiveEvent:
    return LiveEvent.objects.create(
        merchant=merchant,
        title="Evening Show",
        slug=slug,
        host_name="Martha",
        scheduled_start=start,
        stream_url="https://stream.example/evening/index.m3u8",
    )


def test_a_new_york_merchant_enters_7pm_and_it_is_stored_as_midnight_utc(
    client, new_york, make_staff
):
    client.force_login(make_staff(new_york))

    # when its owner schedules a show for 19:00 on January 15th
    response = client.post(
        ADD,
        event_form_data(
            new_york, scheduled_start_0="2030-01-15", scheduled_start_1="19:00", slug="winter"
        ),
    )

    # then it is stored as 00:00 UTC the next day (New York is on EST, UTC-5)
    assert response.status_code == 302, errors(response)
    event = LiveEvent.objects.get(slug="winter")
    assert event.scheduled_start == datetime(2030, 1, 16, 0, 0, tzinfo=UTC)

    # and shown back as 19:00, with the zone named beside it
    text = page(client.get(change_url(event)))
    assert input_value(text, "scheduled_start_0") == "2030-01-15"
    assert input_value(text, "scheduled_start_1") == "19:00:00"
    assert zone_note(text) == "Time zone: America/New_York (EST)"
    # and in the list of shows
    assert "Jan. 15, 2030, 7 p.m. EST" in page(client.get(CHANGELIST))


def test_a_summer_show_is_named_in_daylight_time(client, new_york, make_staff):
    client.force_login(make_staff(new_york))

    response = client.post(
        ADD,
        event_form_data(
            new_york, scheduled_start_0="2030-07-15", scheduled_start_1="19:00", slug="summer"
        ),
    )

    assert response.status_code == 302, errors(response)
    event = LiveEvent.objects.get(slug="summer")
    assert event.scheduled_start == datetime(2030, 7, 15, 23, 0, tzinfo=UTC)  # EDT, UTC-4
    text = page(client.get(change_url(event)))
    assert input_value(text, "scheduled_start_1") == "19:00:00"
    assert zone_note(text) == "Time zone: America/New_York (EDT)"


def test_a_paris_merchant_sees_the_same_instant_in_its_own_zone(
    client, paris, new_york, make_staff
):
    # given a show at 00:00 UTC on January 16th
    event = show_at(paris, datetime(2030, 1, 16, 0, 0, tzinfo=UTC))
    client.force_login(make_staff(paris))

    text = page(client.get(change_url(event)))

    # then its Paris owner reads 01:00 Paris time
    assert input_value(text, "scheduled_start_0") == "2030-01-16"
    assert input_value(text, "scheduled_start_1") == "01:00:00"
    assert zone_note(text) == "Time zone: Europe/Paris (CET)"
    assert "Jan. 16, 2030, 1 a.m. CET" in page(client.get(CHANGELIST))


def test_a_merchant_edit_that_keeps_the_time_keeps_the_instant(client, paris, make_staff):
    event = show_at(paris, datetime(2030, 1, 16, 0, 0, tzinfo=UTC))
    client.force_login(make_staff(paris))

    response = client.post(
        change_url(event),
        event_form_data(
            paris,
            slug=event.slug,
            title="Renamed",
            scheduled_start_0="2030-01-16",
            scheduled_start_1="01:00:00",
        )
        | {"merchant": ""},
    )

    assert response.status_code == 302, errors(response)
    event.refresh_from_db()
    assert (event.title, event.scheduled_start) == (
        "Renamed",
        datetime(2030, 1, 16, 0, 0, tzinfo=UTC),
    )


def test_platform_staff_keep_utc(client, platform_staff, new_york):
    event = show_at(new_york, datetime(2030, 1, 16, 0, 0, tzinfo=UTC))
    client.force_login(platform_staff)

    text = page(client.get(change_url(event)))

    assert input_value(text, "scheduled_start_1") == "00:00:00"
    assert zone_note(text) == "Time zone: UTC"


def test_the_merchants_zone_ends_with_the_request(client, new_york, make_staff):
    client.force_login(make_staff(new_york))

    client.get(CHANGELIST)

    assert timezone.get_current_timezone_name() == "UTC"


def test_the_owner_changes_the_merchants_time_zone(client, new_york, make_staff):
    client.force_login(make_staff(new_york))
    url = reverse("admin:catalog_merchant_change", args=[new_york.pk])
    form = {
        "name": new_york.name,
        "website": "",
        "contact_email": "",
        "description": "",
    }

    refused = client.post(url, form | {"time_zone": "Mars/Olympus_Mons"})
    saved = client.post(url, form | {"time_zone": "America/Boise"})  # not among the common ones

    assert refused.status_code == 200
    assert "Select a valid choice." in page(refused)
    assert saved.status_code == 302, errors(saved)
    new_york.refresh_from_db()
    assert new_york.time_zone == "America/Boise"
    shown = page(client.get(url))
    assert re.search(r'<option value="America/Boise"[^>]*selected>America/Boise</option>', shown)


def test_a_hosts_live_price_is_typed_and_shown_as_money(client, brand, make_staff, show_products):
    client.force_login(make_staff(brand, Membership.Role.HOST))
    data = event_form_data(brand, products=[show_products[0]], slug="deal-night")

    refused = client.post(ADD, data | {"run_of_show-0-live_price": "149.999"})
    saved = client.post(ADD, data | {"run_of_show-0-live_price": "149.99"})

    assert refused.status_code == 200
    assert "'149.999' has more than two decimal places." in page(refused)
    assert saved.status_code == 302, errors(saved)
    event = LiveEvent.objects.get(slug="deal-night")
    assert event.run_of_show.get().live_price == 14999
    assert input_value(page(client.get(change_url(event))), "run_of_show-0-live_price") == "149.99"
