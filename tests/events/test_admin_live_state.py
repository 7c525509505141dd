"""The admin is a writer too: saving a show there changes only what its form changed, through the
services, and never undoes the live state viewers follow (seq, status, featured, banner, ...)."""

import html
import re
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Membership, Merchant
from catalog.money import money_plain
from events import scheduling, services
from events.admin import LiveEventAdmin
from events.models import LiveEvent, ShowProduct
from tests.events.conftest import receive_type, without_at
from tests.events.test_admin import event_form_data

ADD = reverse("admin:events_liveevent_add")


def change_url(event) -> str:
    return reverse("admin:events_liveevent_change", args=[event.pk])


def errors(response) -> str:
    page = html.unescape(response.content.decode())
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))


def change_form_data(event: LiveEvent, run_of_show: dict | None = None, **overrides) -> dict:
    """What the admin's change form posts for `event` as it is now, with `overrides`.

    `run_of_show` maps a ShowProduct's pk to the inline fields to change on it."""
    # as the merchant's staff see it: in the merchant's time zone
    start = timezone.localtime(event.scheduled_start, ZoneInfo(event.merchant.time_zone))
    entries = list(ShowProduct.objects.filter(event=event).order_by("position", "pk"))
    data = {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "host_name": event.host_name,
        "scheduled_start_0": start.strftime("%Y-%m-%d"),
        "scheduled_start_1": start.strftime("%H:%M:%S"),
        "duration_minutes": str(event.duration_minutes),
        "stream_url": event.stream_url,
        "poster_url": event.poster_url,
        "purchase_platforms": list(event.purchase_platforms),
        "chat_slow_mode_seconds": str(event.chat_slow_mode_seconds),
        "chat_blocked_words": event.chat_blocked_words,
        "run_of_show-TOTAL_FORMS": str(len(entries)),
        "run_of_show-INITIAL_FORMS": str(len(entries)),
        "run_of_show-MIN_NUM_FORMS": "0",
        "run_of_show-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for n, entry in enumerate(entries):
        fields = {
            "id": str(entry.pk),
            "event": str(event.pk),
            "product": str(entry.product_id),
            "position": str(entry.position),
            "live_price": money_plain(entry.live_price),
            "per_customer_limit": ""
            if entry.per_customer_limit is None
            else str(entry.per_customer_limit),
        } | (run_of_show or {}).get(entry.pk, {})
        data |= {f"run_of_show-{n}-{name}": value for name, value in fields.items()}
    return data | overrides


def live_state(event: LiveEvent) -> dict:
    event = LiveEvent.objects.get(pk=event.pk)
    return {
        "seq": event.seq,
        "status": event.status,
        "featured_product_id": event.featured_product_id,
        "banner_text": event.banner_text,
        "announcement": event.announcement,
    }


@pytest.fixture
def owner(brand, make_staff):
    return make_staff(brand, Membership.Role.OWNER, username="owner")


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def before_the_admin_saves(monkeypatch):
    """Run `action` after the admin has read the show and validated its form, just before it
    saves: a host acting in the middle of someone's admin save."""

    def run(action):
        save_form = LiveEventAdmin.save_form

        def acting_first(self, request, form, change):
            action()
            return save_form(self, request, form, change)

        monkeypatch.setattr(LiveEventAdmin, "save_form", acting_first)

    return run


async def numbered_until(viewer, last_seq: int, timeout=3) -> list[dict]:
    """The numbered changes a viewer receives, in order, up to the one with `last_seq`."""
    received = []
    while not received or received[-1]["seq"] < last_seq:
        message = await viewer.receive_json_from(timeout=timeout)
        if message.get("seq") is not None and message["type"] != "state":
            received.append(message)
    return received


# --- Mid-show: a real admin save, then the host carries on ---------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_admin_save_mid_show_keeps_the_live_state_and_viewers_keep_applying_changes(
    connect, live_event, show_products, host, owner_client, before_the_admin_saves
):
    run = database_sync_to_async
    viewer = await connect()
    # given a live show whose viewers applied seq 1 and 2
    await run(services.event_feature_product)(
        event=live_event, product_id=show_products[1].pk, by=host
    )
    await run(services.event_set_banner)(event=live_event, text="Doorbusters", by=host)
    assert [m["seq"] for m in await numbered_until(viewer, 2)] == [1, 2]
    # and a host who pins an announcement (seq 3) while the owner's admin save is on its way
    before_the_admin_saves(
        lambda: services.event_set_announcement(event=live_event, text="Free shipping", by=host)
    )

    # when the owner renames the show in the admin
    data = await run(change_form_data)(live_event, title="Cyber Week Live: Day 2")
    response = await run(owner_client.post)(change_url(live_event), data)

    # then the rename is saved, and nothing viewers follow was written back
    assert response.status_code == 302, errors(response)
    state = await run(live_state)(live_event)
    assert state == {
        "seq": 4,  # the announcement, then the new title
        "status": "live",
        "featured_product_id": show_products[1].pk,
        "banner_text": "Doorbusters",
        "announcement": "Free shipping",
    }
    assert (await run(LiveEvent.objects.get)(pk=live_event.pk)).title == "Cyber Week Live: Day 2"

    # and the host's next change reaches the viewer with the next seq
    await run(services.event_set_banner)(event=live_event, text="Last call", by=host)
    changes = await numbered_until(viewer, 5)
    assert [m["seq"] for m in changes] == [3, 4, 5]
    assert without_at(changes[0]) == {"type": "announcement", "seq": 3, "text": "Free shipping"}
    assert changes[1]["type"] == "event"
    assert changes[1]["event"]["title"] == "Cyber Week Live: Day 2"
    assert without_at(changes[2]) == {"type": "banner", "seq": 5, "text": "Last call"}
    # and a fresh snapshot agrees with what the viewer applied
    await viewer.send_json_to({"type": "sync"})
    snapshot = await receive_type(viewer, "state")
    assert snapshot["seq"] == 5 and snapshot["event"]["title"] == "Cyber Week Live: Day 2"
    assert snapshot["banner"] == "Last call" and snapshot["announcement"] == "Free shipping"
    assert snapshot["featured"]["id"] == show_products[1].pk


def test_slow_mode_changed_in_the_admin_reaches_viewers_as_a_numbered_change(
    live_event, owner_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            change_url(live_event), change_form_data(live_event, chat_slow_mode_seconds="30")
        )

    assert response.status_code == 302, errors(response)
    assert published == [{"type": "slow_mode", "seconds": 30, "seq": 1}]
    live_event.refresh_from_db()
    assert live_event.chat_slow_mode_seconds == 30 and live_event.seq == 1


def test_an_admin_save_that_changes_nothing_writes_and_sends_nothing(
    live_event, owner_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(change_url(live_event), change_form_data(live_event))

    assert response.status_code == 302, errors(response)
    assert published == [] and live_state(live_event)["seq"] == 0


def test_a_run_of_show_edit_mid_show_leaves_the_live_state_and_tells_viewers(
    live_event,
    show_products,
    host,
    owner_client,
    published,
    before_the_admin_saves,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
    entry = ShowProduct.objects.get(event=live_event, product=show_products[0])
    before_the_admin_saves(
        lambda: services.event_feature_product(
            event=live_event, product_id=show_products[0].pk, by=host
        )
    )

    # when the owner sets a flash deal on one product of the run of show
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            change_url(live_event),
            change_form_data(
                live_event,
                run_of_show={entry.pk: {"live_price": "149.00", "per_customer_limit": "2"}},
            ),
        )

    assert response.status_code == 302, errors(response)
    entry.refresh_from_db()
    assert (entry.live_price, entry.per_customer_limit) == (14900, 2)
    assert live_state(live_event) == {
        "seq": 3,
        "status": "live",
        "featured_product_id": show_products[0].pk,
        "banner_text": "Doorbusters",
        "announcement": "",
    }
    # viewers get the run of show again, numbered like every change
    assert [m["type"] for m in published] == ["banner", "featured", "products"]
    products = published[-1]
    assert products["seq"] == 3
    assert [p["id"] for p in products["products"]] == [p.pk for p in show_products]
    assert products["products"][0]["price"] == 14900  # the flash deal, while the show is live


# --- Scheduling: one path, the service ------------------------------------------------------------


@pytest.fixture
def schedule_calls(monkeypatch):
    """The calls to scheduling.event_schedule, which still runs."""
    calls = []
    schedule = scheduling.event_schedule

    def spying(**kwargs):
        calls.append(kwargs)
        return schedule(**kwargs)

    monkeypatch.setattr(scheduling, "event_schedule", spying)
    return calls


def test_the_admin_add_form_schedules_through_the_service(
    brand, owner, owner_client, show_products, schedule_calls
):
    data = event_form_data(brand) | {
        "run_of_show-TOTAL_FORMS": "1",
        "run_of_show-0-product": str(show_products[1].pk),
        "run_of_show-0-position": "0",
        "run_of_show-0-live_price": "199.00",
    }

    response = owner_client.post(ADD, data)

    assert response.status_code == 302, errors(response)
    assert len(schedule_calls) == 1
    assert schedule_calls[0]["merchant"] == brand and schedule_calls[0]["by"] == owner
    event = LiveEvent.objects.get()
    assert event.title == "Holiday Home Preview" and event.status == "scheduled"
    assert event.seq == 0
    assert list(event.run_of_show.values_list("product_id", "live_price")) == [
        (show_products[1].pk, 19900)
    ]


def test_an_unverified_merchant_is_refused_by_the_service_with_a_form_error(
    make_merchant, platform_staff, client_for, schedule_calls
):
    shady = make_merchant("shady-deals", verified=False)

    response = client_for(platform_staff).post(ADD, event_form_data(shady))

    assert response.status_code == 200
    assert "Only verified brands can host live shows." in errors(response)
    assert len(schedule_calls) == 1  # the rule lives in the service, not repeated in the form
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize("view", ["add", "change"])
def test_a_refusal_at_save_time_is_a_form_error_and_saves_nothing(
    brand, live_event, owner_client, published, before_the_admin_saves, view
):
    # the brand loses its verification after the form was checked, before the save
    before_the_admin_saves(lambda: Merchant.objects.filter(pk=brand.pk).update(is_verified=False))
    url, data = (
        (ADD, event_form_data(brand))
        if view == "add"
        else (change_url(live_event), change_form_data(live_event, title="Renamed"))
    )

    response = owner_client.post(url, data)

    assert response.status_code == 200
    assert "Only verified brands can host live shows." in errors(response)
    assert 'value="Renamed"' in response.content.decode() or view == "add"
    assert list(LiveEvent.objects.values_list("title", flat=True)) == [live_event.title]
    assert published == []
