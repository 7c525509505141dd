"""Live shows in the Shopping Manager: each brand sees and changes only its own shows."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Membership
from events.models import ChatMessage, LiveEvent, ShowProduct

Status = LiveEvent.Status
CHANGELIST = reverse("admin:events_liveevent_changelist")
ADD = reverse("admin:events_liveevent_add")


def change_url(event) -> str:
    return reverse("admin:events_liveevent_change", args=[event.pk])


def delete_url(event) -> str:
    return reverse("admin:events_liveevent_delete", args=[event.pk])


def event_form_data(merchant, products=(), **overrides) -> dict:
    data = {
        "merchant": str(merchant.pk),
        "title": "Holiday Home Preview",
        "slug": "holiday-home-preview",
        "description": "",
        "host_name": "Martha",
        "scheduled_start_0": "2030-11-28",
        "scheduled_start_1": "19:00:00",
        "duration_minutes": "45",
        "stream_url": "https://stream.example/holiday/index.m3u8",
        "poster_url": "",
        "purchase_platforms": ["ios", "desktop"],
        "chat_slow_mode_seconds": "0",
        "chat_blocked_words": "",
        "run_of_show-TOTAL_FORMS": str(len(products)),
        "run_of_show-INITIAL_FORMS": "0",
        "run_of_show-MIN_NUM_FORMS": "0",
        "run_of_show-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **overrides,
    }
    for n, product in enumerate(products):
        data[f"run_of_show-{n}-product"] = str(product.pk)
        data[f"run_of_show-{n}-position"] = str(n)
    return data


def select_options(page: str, name: str) -> list[str]:
    """The labels of the options of the select named `name`, without the empty one."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"the page has no select {name}"
    return [
        html.unescape(label)
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', match[1])
        if value
    ]


def errors(response) -> str:
    page = html.unescape(response.content.decode())
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))


def new_event(merchant, slug, *, status=Status.SCHEDULED, products=()) -> LiveEvent:
    event = LiveEvent.objects.create(
        merchant=merchant,
        title=slug.replace("-", " ").title(),
        slug=slug,
        host_name="Jason Derulo",
        scheduled_start=timezone.now() + timedelta(days=2),
        stream_url="https://stream.example/live/index.m3u8",
        status=status,
    )
    for n, product in enumerate(products):
        ShowProduct.objects.create(event=event, product=product, position=n)
    return event


@pytest.fixture
def a_products(merchant_a, make_product):
    return [make_product(merchant_a, "Anvil"), make_product(merchant_a, "Axe")]


@pytest.fixture
def b_products(merchant_b, make_product):
    return [make_product(merchant_b, "Bellows")]


@pytest.fixture
def a_event(merchant_a, a_products):
    return new_event(merchant_a, "a-spring-show", products=a_products[:1])


@pytest.fixture
def b_event(merchant_b, b_products):
    return new_event(merchant_b, "b-spring-show", products=b_products)


@pytest.fixture
def a_staff(merchant_a, make_staff):
    return {
        role: make_staff(merchant_a, role)
        for role in (Membership.Role.OWNER, Membership.Role.HOST, Membership.Role.CATALOG_MANAGER)
    }


@pytest.fixture
def a_host_client(client_for, a_staff):
    return client_for(a_staff[Membership.Role.HOST])


# --- Seeing only one's own shows -----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Membership.Role.OWNER, Membership.Role.HOST, Membership.Role.CATALOG_MANAGER]
)
def test_brand_staff_list_only_their_own_shows(client_for, a_staff, a_event, b_event, role):
    response = client_for(a_staff[role]).get(CHANGELIST)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [a_event]
    assert "B Spring Show" not in response.content.decode()


def test_brand_staff_cannot_filter_their_way_to_another_brand(a_host_client, a_event, b_event):
    response = a_host_client.get(CHANGELIST, {"merchant__id__exact": b_event.merchant_id})

    assert response.status_code in (302, 400)
    assert "B Spring Show" not in response.content.decode()


def test_platform_staff_list_every_brands_shows(client_for, platform_staff, a_event, b_event):
    response = client_for(platform_staff).get(CHANGELIST)

    assert set(response.context["cl"].result_list) == {a_event, b_event}


def test_a_host_cannot_open_change_or_delete_another_brands_show(a_host_client, b_event):
    for url in (change_url(b_event), delete_url(b_event)):
        response = a_host_client.get(url)
        assert response.status_code in (302, 404)
        assert "B Spring Show" not in response.content.decode()

    changed = a_host_client.post(
        change_url(b_event), event_form_data(b_event.merchant, title="Taken over")
    )
    deleted = a_host_client.post(delete_url(b_event), {"post": "yes"})

    assert changed.status_code in (302, 404) and deleted.status_code in (302, 404)
    b_event.refresh_from_db()
    assert b_event.title == "B Spring Show"


# --- Creating and changing shows -----------------------------------------------------------------


def test_a_host_schedules_a_show_with_a_run_of_show(a_host_client, merchant_a, a_products):
    axe, anvil = a_products[1], a_products[0]

    response = a_host_client.post(ADD, event_form_data(merchant_a, products=[axe, anvil]))

    assert response.status_code == 302, errors(response)
    event = LiveEvent.objects.get()
    assert event.merchant == merchant_a and event.status == Status.SCHEDULED
    assert event.duration_minutes == 45 and event.purchase_platforms == ["ios", "desktop"]
    assert list(event.run_of_show.values_list("product__title", flat=True)) == ["Axe", "Anvil"]


def test_the_add_form_offers_only_the_brands_merchant_and_products(
    a_host_client, a_products, b_products
):
    page = a_host_client.get(ADD).content.decode()

    assert select_options(page, "merchant") == ["Merchant A"]
    assert select_options(page, "run_of_show-0-product") == ["Anvil", "Axe"]


def test_a_host_cannot_schedule_a_show_for_another_brand(a_host_client, merchant_b):
    response = a_host_client.post(ADD, event_form_data(merchant_b))

    assert response.status_code == 200
    assert "Select a valid choice." in errors(response)
    assert not LiveEvent.objects.exists()


def test_a_host_cannot_put_another_brands_product_in_a_new_show(
    a_host_client, merchant_a, a_products, b_products
):
    response = a_host_client.post(
        ADD, event_form_data(merchant_a, products=[a_products[0], b_products[0]])
    )

    assert response.status_code == 200
    assert "Select a valid choice." in errors(response)
    assert not LiveEvent.objects.exists() and not ShowProduct.objects.exists()


def test_a_host_cannot_put_another_brands_product_in_an_existing_show(
    a_host_client, a_event, b_products
):
    data = event_form_data(a_event.merchant, products=[b_products[0]], title=a_event.title)
    data |= {"slug": a_event.slug}
    del data["merchant"]  # read-only once the show exists
    data["run_of_show-0-event"] = str(a_event.pk)

    response = a_host_client.post(change_url(a_event), data)

    assert response.status_code == 200
    assert "Select a valid choice." in errors(response)
    assert list(a_event.run_of_show.values_list("product__title", flat=True)) == ["Anvil"]


def test_a_host_cannot_edit_another_brands_run_of_show_through_their_own_show(
    a_host_client, a_event, a_products, b_event
):
    b_entry = b_event.run_of_show.get()
    data = event_form_data(a_event.merchant, products=[a_products[1]], title=a_event.title)
    data |= {
        "slug": a_event.slug,
        "run_of_show-INITIAL_FORMS": "1",
        "run_of_show-0-id": str(b_entry.pk),
        "run_of_show-0-event": str(a_event.pk),
    }
    del data["merchant"]

    a_host_client.post(change_url(a_event), data)

    b_entry.refresh_from_db()
    assert b_entry.event == b_event and b_entry.product.title == "Bellows"
    assert list(a_event.run_of_show.values_list("product__title", flat=True)) == ["Anvil"]


def test_the_status_cannot_be_edited_in_the_admin(a_host_client, a_event):
    data = event_form_data(a_event.merchant, title="Renamed", status="live")
    data |= {"slug": a_event.slug}
    del data["merchant"]

    response = a_host_client.post(change_url(a_event), data)

    assert response.status_code == 302, errors(response)
    a_event.refresh_from_db()
    assert a_event.title == "Renamed" and a_event.status == Status.SCHEDULED


def test_a_catalog_manager_can_view_but_not_change_shows(client_for, a_staff, a_event, merchant_a):
    client = client_for(a_staff[Membership.Role.CATALOG_MANAGER])

    view = client.get(change_url(a_event))
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()

    data = event_form_data(merchant_a, title="Changed")
    data |= {"slug": a_event.slug}
    assert client.post(change_url(a_event), data).status_code == 403
    assert client.post(delete_url(a_event), {"post": "yes"}).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, event_form_data(merchant_a, slug="new-show")).status_code == 403

    a_event.refresh_from_db()
    assert a_event.title == "A Spring Show"
    assert LiveEvent.objects.count() == 1


def test_platform_staff_cannot_schedule_a_show_for_an_unverified_merchant(
    client_for, platform_staff, make_merchant
):
    shady = make_merchant("shady-deals", verified=False)

    response = client_for(platform_staff).post(ADD, event_form_data(shady))

    assert response.status_code == 200
    assert "Only verified brands can host live shows." in errors(response)
    assert not LiveEvent.objects.exists()


# --- Cancelling shows ----------------------------------------------------------------------------


def test_a_host_cancels_their_scheduled_show_and_not_another_brands(
    a_host_client, a_event, b_event
):
    response = a_host_client.post(
        CHANGELIST,
        {"action": "cancel_shows", "_selected_action": [a_event.pk, b_event.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "A Spring Show was cancelled." in response.content.decode()
    a_event.refresh_from_db()
    b_event.refresh_from_db()
    assert a_event.status == Status.CANCELLED and a_event.seq == 1
    assert b_event.status == Status.SCHEDULED and b_event.seq == 0


def test_cancelling_a_live_show_is_refused_with_the_reason(a_host_client, merchant_a):
    live = new_event(merchant_a, "a-live-show", status=Status.LIVE)

    response = a_host_client.post(
        CHANGELIST, {"action": "cancel_shows", "_selected_action": [live.pk]}, follow=True
    )

    assert "A Live Show: A live show cannot become cancelled." in html.unescape(
        response.content.decode()
    )
    live.refresh_from_db()
    assert live.status == Status.LIVE


def test_a_catalog_manager_cannot_cancel_shows(client_for, a_staff, a_event):
    client = client_for(a_staff[Membership.Role.CATALOG_MANAGER])

    client.post(CHANGELIST, {"action": "cancel_shows", "_selected_action": [a_event.pk]})

    a_event.refresh_from_db()
    assert a_event.status == Status.SCHEDULED


# --- Chat history --------------------------------------------------------------------------------


def test_the_chat_history_shows_only_the_brands_own_shows(a_host_client, a_event, b_event, viewer):
    mine = ChatMessage.objects.create(
        event=a_event, user=viewer, author_name="viewer", body="Love the anvil"
    )
    theirs = ChatMessage.objects.create(
        event=b_event, user=viewer, author_name="viewer", body="Love the bellows"
    )

    response = a_host_client.get(reverse("admin:events_chatmessage_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    page = response.content.decode()
    assert "Love the bellows" not in page and "B Spring Show" not in page
    other = a_host_client.get(reverse("admin:events_chatmessage_change", args=[theirs.pk]))
    assert other.status_code in (302, 404)
