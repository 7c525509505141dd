"""The public event page and the list of shows."""

import html
import json
import re
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import timezone

from catalog.models import Membership, Product
from events import errors as show_errors
from events import selectors, services
from events.models import LiveEvent, ViewerCount

Status = LiveEvent.Status


def event_url(event) -> str:
    return reverse("events:event", args=[event.slug])


def initial_state(page: str) -> dict:
    match = re.search(r'<script id="initial-state" type="application/json">(.*?)</script>', page)
    assert match, "the page embeds no initial state"
    return json.loads(match.group(1))


def element_is_hidden(page: str, element_id: str) -> bool:
    match = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', page)
    assert match, f"the page has no #{element_id}"
    return re.search(r"\shidden(\s|>|=)", match.group(0)) is not None


def visible_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_page_shows_the_show_from_the_same_state_as_the_websocket(
    client, live_event, show_products
):
    response = client.get(event_url(live_event))

    assert response.status_code == 200
    page = response.content.decode()
    text = visible_text(page)
    assert "Cyber Week Live" in text and "with Jason Derulo · Waltmart" in text
    state = initial_state(page)
    assert state == selectors.event_state(live_event)
    assert [(p["title"], p["price_display"]) for p in state["products"]] == [
        ("Noise-Cancelling Headphones", "$199.00"),
        ("Robot Vacuum", "$249.00"),
        ("Air Fryer", "$119.00"),
    ]
    assert 'data-stream="https://stream.example/live/index.m3u8"' in page


def test_product_titles_cannot_break_out_of_the_embedded_state(
    client, brand, make_product, make_event
):
    sneaky = make_product(brand, "</script><script>alert(1)</script>")
    event = make_event(products=[sneaky])

    page = client.get(event_url(event)).content.decode()

    assert "<script>alert(1)" not in page
    assert initial_state(page)["products"][0]["title"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_a_draft_or_archived_product_in_the_run_of_show_is_not_shown_or_featured(
    client, brand, make_product, make_event, show_products, host, published, status
):
    # given an unreleased product in the run of show, featured before it went back to draft
    unreleased = make_product(brand, "Unreleased Phone", variants=[{"price": 99900}])
    event = make_event(products=[*show_products, unreleased])
    LiveEvent.objects.filter(pk=event.pk).update(featured_product=unreleased)
    Product.objects.filter(pk=unreleased.pk).update(status=status)

    # then the page neither lists nor features it
    page = client.get(event_url(event)).content.decode()
    assert "Unreleased Phone" not in page and "$999.00" not in page
    state = initial_state(page)
    assert [p["title"] for p in state["products"]] == [p.title for p in show_products]
    assert state["featured"] is None
    # and the host cannot feature it
    with pytest.raises(show_errors.NotInRunOfShow):
        services.event_feature_product(event=event, product_id=unreleased.pk, by=host)
    assert published == []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_draft_product_is_not_in_the_websocket_snapshot(
    connect, brand, make_product, make_event, show_products
):
    draft = await database_sync_to_async(make_product)(
        brand, "Unreleased Phone", status=Product.Status.DRAFT
    )
    await database_sync_to_async(make_event)(products=[*show_products, draft])

    state = (await connect()).state

    assert "Unreleased Phone" not in [p["title"] for p in state["products"]]
    assert len(state["products"]) == len(show_products)


@pytest.mark.parametrize(
    ("status", "pre_show", "ended", "ended_text"),
    [
        (Status.SCHEDULED, True, False, None),
        (Status.LIVE, False, False, None),
        (Status.ENDED, False, True, "This show has ended"),
        (Status.CANCELLED, False, True, "This show was cancelled"),
    ],
)
def test_panels_follow_the_status(client, make_event, status, pre_show, ended, ended_text):
    event = make_event(status=status)

    page = client.get(event_url(event)).content.decode()

    assert initial_state(page)["status"] == status
    assert f'data-status="{status}"' in page
    assert element_is_hidden(page, "pre-show") is not pre_show
    assert element_is_hidden(page, "ended") is not ended
    if ended_text:
        assert ended_text in visible_text(page)


def test_before_the_show_the_start_time_is_given_for_the_countdown(client, make_event):
    event = make_event(status=Status.SCHEDULED)

    page = client.get(event_url(event)).content.decode()

    start = re.search(r'<time id="start-time" datetime="([^"]+)"', page).group(1)
    assert start == event.scheduled_start.isoformat()
    assert "Live show starts" in visible_text(page)


def test_announcement_is_shown_only_when_there_is_one(
    client, live_event, host, published, settings
):
    settings.LIVESHOP_SHOW_CACHE_SECONDS = 0  # each page reads the show
    page = client.get(event_url(live_event)).content.decode()
    assert element_is_hidden(page, "announcement")

    services.event_set_announcement(event=live_event, text="Free shipping tonight", by=host)
    page = client.get(event_url(live_event)).content.decode()

    assert not element_is_hidden(page, "announcement")
    assert "Free shipping tonight" in visible_text(page)


def test_guests_read_the_chat_and_are_asked_to_sign_in(client, live_event):
    page = client.get(event_url(live_event)).content.decode()

    assert 'id="chat-form"' not in page
    assert "Sign in to chat." in visible_text(page)
    assert f'href="/accounts/login/?next={event_url(live_event)}"' in page


def test_signed_in_viewers_get_the_chat_form(client, live_event, viewer):
    client.force_login(viewer)

    page = client.get(event_url(live_event)).content.decode()

    assert 'id="chat-form"' in page and 'id="chat-input"' in page
    assert "Sign in to chat." not in visible_text(page)


@pytest.mark.parametrize(
    ("role", "sees_link"),
    [
        (Membership.Role.OWNER, True),
        (Membership.Role.HOST, True),
        (Membership.Role.CATALOG_MANAGER, False),
    ],
)
def test_the_console_link_is_only_for_the_brands_hosts(
    client, live_event, brand, make_staff, role, sees_link
):
    client.force_login(make_staff(brand, role))

    page = client.get(event_url(live_event)).content.decode()

    assert ("Open the host console" in page) is sees_link


def test_viewers_and_other_brands_hosts_see_no_console_link(
    client, live_event, viewer, make_staff, make_merchant
):
    assert "Open the host console" not in client.get(event_url(live_event)).content.decode()
    for user in (viewer, make_staff(make_merchant("rival"), Membership.Role.HOST, "rival-host")):
        client.force_login(user)
        assert "Open the host console" not in client.get(event_url(live_event)).content.decode()


def test_a_show_of_an_unverified_merchant_is_not_found(client, make_merchant, db):
    shady = make_merchant("shady-deals", verified=False)
    event = LiveEvent.objects.create(
        merchant=shady,
        title="Too Good To Be True",
        slug="too-good",
        host_name="Nobody",
        scheduled_start=timezone.now(),
        stream_url="https://stream.example/shady/index.m3u8",
        status=Status.LIVE,
    )

    assert client.get(event_url(event)).status_code == 404


def test_an_unknown_show_is_not_found(client, db):
    assert client.get("/events/no-such-show/").status_code == 404


@pytest.mark.parametrize("products", [3, 10])
def test_the_page_takes_a_bounded_number_of_queries(
    client, brand, make_product, make_event, viewer, django_assert_max_num_queries, products
):
    run = [
        make_product(brand, f"Product {n}", variants=[{"price": 1000 + n, "stock_on_hand": n}])
        for n in range(products)
    ]
    event = make_event(products=run)
    client.force_login(viewer)

    # session, user, event, its state (event, products, images, chat), console link check
    with django_assert_max_num_queries(8):
        response = client.get(event_url(event))

    assert len(initial_state(response.content.decode())["products"]) == products


def test_a_guests_page_after_the_first_reads_nothing(
    client, live_event, host, published, django_assert_num_queries, settings
):
    # given a show's page someone already opened
    settings.LIVESHOP_SHOW_CACHE_SECONDS = 0.5
    client.get(event_url(live_event))

    # when a crowd of guests opens it, none reads the database: the show and its state are shared
    with django_assert_num_queries(0):
        response = client.get(event_url(live_event))
    assert initial_state(response.content.decode())["seq"] == 0

    # and a change is on the page once the process reads the show again (the websocket's snapshot,
    # sent as the page connects, has it at once)
    services.event_set_banner(event=live_event, text="Doorbusters", by=host)
    assert initial_state(client.get(event_url(live_event)).content.decode())["seq"] == 0
    time.sleep(0.6)
    state = initial_state(client.get(event_url(live_event)).content.decode())
    assert (state["seq"], state["banner"]) == (1, "Doorbusters")


# --- The list of shows ---------------------------------------------------------------------------


def shows_by_section(page: str) -> dict[str, str]:
    """The visible text of the lists' sections: live, coming up, past."""
    text = visible_text(page)
    live, rest = text.split("Live now", 1)[1].split("Coming up", 1)
    upcoming, past = rest.split("Past shows", 1)
    return {"live": live, "upcoming": upcoming, "past": past.split("Shops", 1)[0]}


@pytest.mark.parametrize("url", ["events:home", "events:list", "events:now"])
def test_the_lists_show_live_then_upcoming_then_past_shows(client, make_event, make_merchant, url):
    on_air = make_event("on-air-now", status=Status.LIVE)
    ViewerCount.objects.create(event=on_air, count=1234)
    make_event("next-week", status=Status.SCHEDULED)
    make_event("called-off", status=Status.CANCELLED)
    last_week = make_event("last-week", status=Status.ENDED)
    LiveEvent.objects.filter(pk=last_week.pk).update(ended_at=timezone.now() - timedelta(days=7))
    long_overdue = make_event("never-started", status=Status.SCHEDULED)
    LiveEvent.objects.filter(pk=long_overdue.pk).update(
        scheduled_start=timezone.now() - timedelta(days=2)
    )
    LiveEvent.objects.create(
        merchant=make_merchant("shady-deals", verified=False),
        title="Shady Live",
        slug="shady-live",
        host_name="Nobody",
        scheduled_start=timezone.now() + timedelta(days=1),
        stream_url="https://stream.example/shady/index.m3u8",
        status=Status.LIVE,
    )

    response = client.get(reverse(url))

    assert response.status_code == 200
    page = response.content.decode()
    sections = shows_by_section(page)
    assert "On Air Now" in sections["live"] and "1234 watching" in sections["live"]
    assert "Watch" in sections["live"] and "Jason Derulo" in sections["live"]
    assert "Next Week" in sections["upcoming"] and "On Air Now" not in sections["upcoming"]
    assert "Last Week" in sections["past"] and "See the products" in sections["past"]
    text = visible_text(page)
    for hidden in ("Called Off", "Never Started", "Shady Live"):
        assert hidden not in text
    for slug in ("on-air-now", "next-week", "last-week"):
        assert f'href="/events/{slug}/"' in page


def test_the_home_page_leads_with_the_shows_then_lists_the_shops(client, make_event, brand):
    make_event("on-air-now", status=Status.LIVE)

    text = visible_text(client.get(reverse("events:home")).content.decode())

    assert text.index("Live now") < text.index("Coming up") < text.index("Past shows")
    assert text.index("Past shows") < text.index("Shops") < text.rindex(brand.name)


def test_the_lists_fetched_again_may_be_kept_briefly_by_shared_caches(client, db):
    response = client.get(reverse("events:now"))

    assert response["Cache-Control"] == "public, max-age=5"
    assert "<html" not in response.content.decode()  # the lists alone


def test_the_list_says_when_nothing_is_on(client, db):
    text = visible_text(client.get(reverse("events:list")).content.decode())

    assert "Nothing live right now." in text and "No shows scheduled." in text
    assert "No past shows yet." in text
