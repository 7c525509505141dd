"""Writes for live shows: who may do what, valid status changes, seq numbers, and broadcasts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Membership, Variant
from catalog.signals import stock_changed_on_commit
from events import chat as show_chat
from events import errors as show_errors
from events import scheduling, selectors, services
from events.models import ChatMessage, LiveEvent, ShowProduct, ViewerCount
from tests.events.conftest import without_at

Status = LiveEvent.Status
VALID_TRANSITIONS = {
    (Status.SCHEDULED, Status.LIVE),
    (Status.LIVE, Status.ENDED),
    (Status.SCHEDULED, Status.CANCELLED),
}
RESUME = (Status.ENDED, Status.LIVE)  # only within LIVESHOP_END_UNDO_SECONDS: tested on its own
INVALID_TRANSITIONS = sorted(
    {(a, b) for a in Status.values for b in Status.values} - VALID_TRANSITIONS - {RESUME}
)


def show_fields(slug="spring-preview", **overrides) -> dict:
    return {
        "title": "Spring Preview",
        "slug": slug,
        "host_name": "Jason Derulo",
        "scheduled_start": timezone.now() + timedelta(days=3),
        "stream_url": "https://stream.example/spring/index.m3u8",
        **overrides,
    }


def live_state(event: LiveEvent) -> dict:
    """What viewers follow, read fresh from the database."""
    event.refresh_from_db()
    return {
        "status": event.status,
        "seq": event.seq,
        "featured_product_id": event.featured_product_id,
        "banner_text": event.banner_text,
        "announcement": event.announcement,
        "chat_slow_mode_seconds": event.chat_slow_mode_seconds,
        "started_at": event.started_at,
        "ended_at": event.ended_at,
    }


@pytest.fixture
def owner(brand, make_staff):
    return make_staff(brand, Membership.Role.OWNER)


@pytest.fixture
def outsiders(brand, make_staff, make_merchant, viewer):
    """People who must never run the brand's shows."""
    return {
        "ordinary viewer": viewer,
        "catalog manager of the brand": make_staff(brand, Membership.Role.CATALOG_MANAGER),
        "owner of another brand": make_staff(make_merchant("rival"), Membership.Role.OWNER),
        "host of another brand": make_staff(
            make_merchant("rival-two"), Membership.Role.HOST, "rival-host"
        ),
    }


@pytest.fixture
def unverified_brand(make_merchant):
    return make_merchant("shady-deals", verified=False)


# --- Scheduling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.HOST])
def test_the_brands_owner_and_hosts_schedule_a_show(brand, make_staff, role):
    event = scheduling.event_schedule(merchant=brand, by=make_staff(brand, role), **show_fields())

    assert LiveEvent.objects.get() == event
    assert event.merchant == brand and event.status == Status.SCHEDULED and event.seq == 0


def test_platform_staff_schedule_a_show_for_a_verified_brand(brand, platform_staff):
    scheduling.event_schedule(merchant=brand, by=platform_staff, **show_fields())

    assert LiveEvent.objects.get().merchant == brand


def test_an_unverified_merchant_cannot_schedule_even_with_its_owner_account(
    unverified_brand, make_staff, platform_staff
):
    owner = make_staff(unverified_brand, Membership.Role.OWNER)

    for by in (owner, platform_staff):
        with pytest.raises(show_errors.NotAllowed) as error:
            scheduling.event_schedule(merchant=unverified_brand, by=by, **show_fields())
        assert error.value.message == "Only verified brands can host live shows."

    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize(
    "who",
    [
        "ordinary viewer",
        "catalog manager of the brand",
        "owner of another brand",
        "host of another brand",
    ],
)
def test_only_the_brands_owner_and_hosts_schedule_its_shows(brand, outsiders, who):
    with pytest.raises(show_errors.NotAllowed):
        scheduling.event_schedule(merchant=brand, by=outsiders[who], **show_fields())

    assert not LiveEvent.objects.exists()


def test_a_deactivated_host_cannot_schedule(brand, host):
    host.is_active = False
    host.save()

    with pytest.raises(show_errors.NotAllowed):
        scheduling.event_schedule(merchant=brand, by=host, **show_fields())

    assert not LiveEvent.objects.exists()


def test_scheduling_with_a_bad_stream_url_explains_and_saves_nothing(brand, host):
    with pytest.raises(ValidationError) as error:
        scheduling.event_schedule(
            merchant=brand, by=host, **show_fields(stream_url="https://stream.example/video.mp4")
        )

    assert error.value.message_dict == {
        "stream_url": ["The stream must be an HLS playlist: a URL ending in .m3u8."]
    }
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize("field", [{"status": Status.LIVE}, {"seq": 40}, {"banner_text": "Sneaky"}])
def test_scheduling_cannot_set_the_live_state(brand, host, field):
    # a show always starts scheduled; only the running-the-show services change its live state
    with pytest.raises(TypeError):
        scheduling.event_schedule(merchant=brand, by=host, **show_fields(), **field)

    assert not LiveEvent.objects.exists()


# --- Changing a scheduled show -------------------------------------------------------------------


def test_updating_writes_only_the_changed_schedule_fields_and_tells_viewers(
    live_event, host, owner, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
    stale = LiveEvent.objects.get(pk=live_event.pk)
    LiveEvent.objects.filter(pk=live_event.pk).update(announcement="Set meanwhile")

    with django_capture_on_commit_callbacks(execute=True):
        sent = scheduling.event_update(
            event=stale,
            by=owner,
            title="Cyber Week Live: Day 2",
            description="Now with more deals",
            chat_slow_mode_seconds=10,
        )

    assert [(m["type"], m["seq"]) for m in sent] == [("event", 2), ("slow_mode", 3)]
    assert sent[0]["event"]["title"] == "Cyber Week Live: Day 2"
    assert published[1:] == [without_at(message) for message in sent]
    state = live_state(live_event)
    assert state["seq"] == 3 and state["chat_slow_mode_seconds"] == 10
    assert (state["banner_text"], state["announcement"]) == ("Doorbusters", "Set meanwhile")
    assert live_event.description == "Now with more deals"


def test_an_update_that_changes_only_hidden_fields_sends_nothing(
    live_event, host, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = scheduling.event_update(event=live_event, by=host, chat_blocked_words="spoiler")

    assert sent == [] and published == []
    assert live_state(live_event)["seq"] == 0
    assert live_event.chat_blocked_words == "spoiler"


def test_updating_is_refused_to_outsiders_and_changes_nothing(live_event, outsiders, published):
    for who, user in outsiders.items():
        with pytest.raises(show_errors.NotAllowed):
            scheduling.event_update(event=live_event, by=user, title=f"Taken over by {who}")

    assert LiveEvent.objects.get(pk=live_event.pk).title == live_event.title


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"seq": 0}, TypeError),
        ({"banner_text": ""}, TypeError),
        ({"chat_slow_mode_seconds": 601}, show_errors.InvalidInput),
        ({"stream_url": "https://stream.example/video.mp4"}, ValidationError),
    ],
)
def test_updating_refuses_live_state_and_bad_values(live_event, host, fields, error):
    with pytest.raises(error):
        scheduling.event_update(event=live_event, by=host, **fields)

    assert live_state(live_event)["seq"] == 0


# --- Run of show ---------------------------------------------------------------------------------


def test_run_of_show_keeps_the_given_order_once_each(make_event, show_products):
    event = make_event(status=Status.SCHEDULED, products=show_products[:1])
    headphones, _, fryer = show_products

    scheduling.run_of_show_set(event=event, product_ids=[fryer.pk, headphones.pk, fryer.pk])

    assert list(event.run_of_show.values_list("product_id", "position")) == [
        (fryer.pk, 0),
        (headphones.pk, 1),
    ]


def test_run_of_show_refuses_another_merchants_product(
    make_event, show_products, make_merchant, make_product
):
    event = make_event(status=Status.SCHEDULED)
    before = list(event.run_of_show.values_list("product_id", flat=True))
    foreign = make_product(make_merchant("rival"), "Rival Kettle")

    with pytest.raises(show_errors.NotInRunOfShow):
        scheduling.run_of_show_set(event=event, product_ids=[show_products[0].pk, foreign.pk])

    assert list(event.run_of_show.values_list("product_id", flat=True)) == before
    assert not ShowProduct.objects.filter(product=foreign).exists()


# --- Status transitions --------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "to"), sorted(VALID_TRANSITIONS))
def test_valid_transitions(
    make_event, host, published, django_capture_on_commit_callbacks, start, to
):
    event = make_event(status=start)

    with django_capture_on_commit_callbacks(execute=True):
        services.event_transition(event=event, to=to, by=host)

    state = live_state(event)
    assert state["status"] == to and state["seq"] == 1
    assert (state["started_at"] is not None) == (to == Status.LIVE)
    assert (state["ended_at"] is not None) == (to != Status.LIVE)
    over = {"viewers": 0} if to != Status.LIVE else {}
    ended_at = state["ended_at"].isoformat() if state["ended_at"] else None
    assert published == [{"type": "status", "status": to, "seq": 1, "ended_at": ended_at, **over}]


@pytest.mark.parametrize(
    ("start", "to", "price"), [("scheduled", "live", 14900), ("live", "ended", 19900)]
)
def test_a_transition_reprices_the_products_when_the_show_has_a_flash_deal(
    make_event, host, published, show_products, django_capture_on_commit_callbacks, start, to, price
):
    event = make_event(status=start)
    headphones = show_products[0]  # 199.00 in the catalog
    ShowProduct.objects.filter(event=event, product=headphones).update(live_price=14900)

    with django_capture_on_commit_callbacks(execute=True):
        services.event_transition(event=event, to=to, by=host)

    [message] = published
    [repriced] = [p for p in message["products"] if p["id"] == headphones.pk]
    assert (message["status"], repriced["price"], repriced["deal"]) == (to, price, to == "live")


@pytest.mark.parametrize(("start", "to"), INVALID_TRANSITIONS)
def test_every_other_transition_is_refused_and_changes_nothing(
    make_event, host, published, django_capture_on_commit_callbacks, start, to
):
    event = make_event(status=start)
    before = live_state(event)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(show_errors.InvalidTransition) as error,
    ):
        services.event_transition(event=event, to=to, by=host)

    assert error.value.message == (
        f"A {Status(start).label.lower()} show cannot become {Status(to).label.lower()}."
    )
    assert live_state(event) == before
    assert published == []


def test_an_unknown_status_is_refused(live_event, host):
    with pytest.raises(show_errors.InvalidTransition) as error:
        services.event_transition(event=live_event, to="paused", by=host)

    assert error.value.message == "Unknown status."

    assert live_state(live_event)["status"] == Status.LIVE


def test_a_full_show_scheduled_live_ended(make_event, host, owner):
    event = make_event(status=Status.SCHEDULED)

    services.event_transition(event=event, to=Status.LIVE, by=host)
    services.event_transition(event=event, to=Status.ENDED, by=owner)

    state = live_state(event)
    assert state["status"] == Status.ENDED and state["seq"] == 2
    assert state["started_at"] <= state["ended_at"]


def test_an_ended_show_resumes_where_it_was_within_the_undo_window(
    live_event, host, show_products, published, django_capture_on_commit_callbacks
):
    # given a live show with a product featured, a banner and an announcement, watched by 40
    services.event_feature_product(event=live_event, product_id=show_products[1].pk, by=host)
    services.event_set_banner(event=live_event, text="Doorbusters", by=host)
    services.event_set_announcement(event=live_event, text="Free shipping", by=host)
    ViewerCount.objects.create(event=live_event, count=40)
    started_at = live_state(live_event)["started_at"]

    # when the host ends it by mistake, then resumes it
    with django_capture_on_commit_callbacks(execute=True):
        services.event_transition(event=live_event, to=Status.ENDED, by=host)
    ended = published[-1]
    with django_capture_on_commit_callbacks(execute=True):
        services.event_transition(event=live_event, to=Status.LIVE, by=host)

    # then viewers were told the show ended with nobody watching, then that it is live again
    assert (ended["status"], ended["viewers"], ended["seq"]) == ("ended", 0, 4)
    assert ended["ended_at"] is not None
    assert published[-1] == {"type": "status", "status": "live", "seq": 5, "ended_at": None}
    # and the show is where it was: same start, same banner, announcement and product
    state = selectors.event_state(live_event)
    assert (state["status"], state["banner"], state["announcement"]) == (
        "live",
        "Doorbusters",
        "Free shipping",
    )
    assert state["featured"]["id"] == show_products[1].pk
    assert live_state(live_event)["started_at"] == started_at
    assert live_state(live_event)["ended_at"] is None


def test_an_ended_show_cannot_be_resumed_after_the_undo_window(live_event, host, settings):
    settings.LIVESHOP_END_UNDO_SECONDS = 60
    services.event_transition(event=live_event, to=Status.ENDED, by=host)
    LiveEvent.objects.filter(pk=live_event.pk).update(
        ended_at=timezone.now() - timedelta(seconds=61)
    )

    with pytest.raises(show_errors.InvalidTransition) as error:
        services.event_transition(event=live_event, to=Status.LIVE, by=host)

    assert error.value.message == (
        "The show ended more than 60 seconds ago; it can no longer be resumed."
    )
    assert live_state(live_event)["status"] == Status.ENDED


def test_an_unverified_merchants_owner_cannot_go_live(unverified_brand, make_staff):
    owner = make_staff(unverified_brand, Membership.Role.OWNER)
    event = LiveEvent.objects.create(merchant=unverified_brand, **show_fields("shady-show"))

    with pytest.raises(show_errors.NotAllowed):
        services.event_transition(event=event, to=Status.LIVE, by=owner)

    assert live_state(event)["status"] == Status.SCHEDULED


def test_a_brand_unverified_mid_show_cannot_run_it_any_more(live_event, host, show_products):
    live_event.merchant.is_verified = False
    live_event.merchant.save()

    with pytest.raises(show_errors.NotAllowed):
        services.event_feature_product(event=live_event, product_id=show_products[0].pk, by=host)

    assert live_state(live_event)["featured_product_id"] is None


@pytest.mark.parametrize(
    "who",
    [
        "ordinary viewer",
        "catalog manager of the brand",
        "owner of another brand",
        "host of another brand",
    ],
)
def test_outsiders_cannot_run_the_show(make_event, outsiders, show_products, published, who):
    scheduled = make_event("soon", status=Status.SCHEDULED)
    live = make_event("now", status=Status.LIVE)
    before = live_state(scheduled), live_state(live)
    by = outsiders[who]

    attempts = [
        lambda: services.event_transition(event=scheduled, to=Status.LIVE, by=by),
        lambda: services.event_transition(event=live, to=Status.ENDED, by=by),
        lambda: services.event_feature_product(event=live, product_id=show_products[0].pk, by=by),
        lambda: services.event_set_banner(event=live, text="hacked", by=by),
        lambda: services.event_set_announcement(event=live, text="hacked", by=by),
        lambda: services.event_set_slow_mode(event=live, seconds=600, by=by),
    ]
    for attempt in attempts:
        with pytest.raises(show_errors.NotAllowed):
            attempt()

    assert (live_state(scheduled), live_state(live)) == before
    assert published == []


def test_a_host_deactivated_mid_show_is_refused(live_event, host, show_products):
    services.event_set_banner(event=live_event, text="Welcome", by=host)
    host.is_active = False
    host.save()

    with pytest.raises(show_errors.NotAllowed):
        services.event_set_banner(event=live_event, text="Still here?", by=host)

    assert live_state(live_event)["banner_text"] == "Welcome"


# --- Featuring, banner, announcement -------------------------------------------------------------


def test_featuring_a_product_sends_its_summary(
    live_event, host, show_products, published, django_capture_on_commit_callbacks
):
    vacuum = show_products[1]

    with django_capture_on_commit_callbacks(execute=True):
        services.event_feature_product(event=live_event, product_id=vacuum.pk, by=host)

    assert live_state(live_event)["featured_product_id"] == vacuum.pk
    (message,) = published
    assert message["type"] == "featured" and message["seq"] == 1
    assert message["product"] == {
        "id": vacuum.pk,
        "title": "Robot Vacuum",
        "url": vacuum.get_absolute_url(),
        "image": None,
        "price": 24900,
        "currency": "USD",
        "price_display": "$249.00",
        "deal": False,  # no live price in the run of show
        "regular_price_display": None,
        "stock": {"state": "low", "left": 3},
    }


def test_featuring_none_clears_the_banners_product(live_event, host, show_products, published):
    services.event_feature_product(event=live_event, product_id=show_products[0].pk, by=host)

    services.event_feature_product(event=live_event, product_id=None, by=host)

    assert live_state(live_event)["featured_product_id"] is None


def test_featuring_a_product_outside_the_run_of_show_is_refused(
    live_event, host, brand, make_product, make_merchant
):
    not_in_show = make_product(brand, "Garden Hose")
    other_brands = make_product(make_merchant("rival"), "Rival Kettle")

    for product in (not_in_show, other_brands):
        with pytest.raises(show_errors.NotInRunOfShow):
            services.event_feature_product(event=live_event, product_id=product.pk, by=host)

    assert live_state(live_event)["featured_product_id"] is None
    assert live_state(live_event)["seq"] == 0


@pytest.mark.parametrize("product_id", ["abc", True, 1.5, [1], {"id": 1}])
def test_featuring_with_a_product_id_of_the_wrong_type_is_refused(live_event, host, product_id):
    with pytest.raises(show_errors.InvalidInput) as error:
        services.event_feature_product(event=live_event, product_id=product_id, by=host)

    assert error.value.message == "Choose a product of the run of show."

    assert live_state(live_event)["seq"] == 0


@pytest.mark.parametrize("status", [Status.ENDED, Status.CANCELLED])
def test_a_show_that_is_over_refuses_feature_banner_and_announcement(
    make_event, host, show_products, published, status
):
    event = make_event(status=status)
    before = live_state(event)
    over = {"ended": "This show has ended.", "cancelled": "This show was cancelled."}[status]

    for attempt in (
        lambda: services.event_feature_product(
            event=event, product_id=show_products[0].pk, by=host
        ),
        lambda: services.event_set_banner(event=event, text="Back soon", by=host),
        lambda: services.event_set_announcement(event=event, text="Back soon", by=host),
    ):
        with pytest.raises(show_errors.InvalidTransition, match=over):
            attempt()

    assert live_state(event) == before
    assert published == []


@pytest.mark.parametrize(
    ("setter", "field", "limit", "what"),
    [
        (services.event_set_banner, "banner_text", 140, "The banner"),
        (services.event_set_announcement, "announcement", 280, "The announcement"),
    ],
)
def test_banner_and_announcement_length_limits(live_event, host, setter, field, limit, what):
    setter(event=live_event, text="x" * limit, by=host)
    live_event.refresh_from_db()
    assert getattr(live_event, field) == "x" * limit

    with pytest.raises(show_errors.InvalidInput) as error:
        setter(event=live_event, text="y" * (limit + 1), by=host)

    assert error.value.message == f"{what} can be at most {limit} characters."
    live_event.refresh_from_db()
    assert getattr(live_event, field) == "x" * limit and live_event.seq == 1


@pytest.mark.parametrize(
    ("setter", "field"),
    [
        (services.event_set_banner, "banner_text"),
        (services.event_set_announcement, "announcement"),
    ],
)
def test_banner_and_announcement_fold_whitespace_onto_one_line(
    live_event, host, published, setter, field
):
    message = setter(event=live_event, text="  20% off\n\tfor the   next hour  ", by=host)

    live_event.refresh_from_db()
    assert getattr(live_event, field) == "20% off for the next hour"
    assert message["text"] == "20% off for the next hour"


def test_whitespace_does_not_count_towards_the_banner_limit(live_event, host):
    services.event_set_banner(event=live_event, text="  " + "x " * 70 + "\n\n", by=host)

    live_event.refresh_from_db()
    assert len(live_event.banner_text) == 139


@pytest.mark.parametrize("text", [5, None, ["a"]])
def test_banner_must_be_text(live_event, host, text):
    with pytest.raises(show_errors.InvalidInput) as error:
        services.event_set_banner(event=live_event, text=text, by=host)

    assert error.value.message == "The banner must be text."

    assert live_state(live_event)["seq"] == 0


@pytest.mark.parametrize("seconds", [-1, 601, "ten", 2.5, True, None])
def test_slow_mode_takes_whole_seconds_up_to_ten_minutes(live_event, host, seconds):
    with pytest.raises(show_errors.InvalidInput):
        services.event_set_slow_mode(event=live_event, seconds=seconds, by=host)

    assert live_state(live_event)["chat_slow_mode_seconds"] == 0


# --- Sequence numbers and broadcasts -------------------------------------------------------------


def test_every_change_takes_the_next_seq(
    make_event, host, viewer, show_products, published, django_capture_on_commit_callbacks
):
    event = make_event(status=Status.SCHEDULED)
    changes = [
        lambda: services.event_transition(event=event, to=Status.LIVE, by=host),
        lambda: services.event_feature_product(
            event=event, product_id=show_products[0].pk, by=host
        ),
        lambda: services.event_set_banner(event=event, text="Doorbusters", by=host),
        lambda: services.event_set_announcement(event=event, text="Free shipping", by=host),
        lambda: services.event_set_slow_mode(event=event, seconds=5, by=host),
        lambda: show_chat.chat_post(event=event, user=viewer, body="Hello!"),
        lambda: show_chat.chat_delete(
            event=event, message_id=ChatMessage.objects.get().pk, by=host
        ),
        lambda: services.event_transition(event=event, to=Status.ENDED, by=host),
    ]

    for n, change in enumerate(changes, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            message = change()
        assert live_state(event)["seq"] == n
        assert message["seq"] == n and published[-1] == without_at(message)

    assert [m["seq"] for m in published] == list(range(1, len(changes) + 1))
    assert [m["type"] for m in published] == [
        "status",
        "featured",
        "banner",
        "announcement",
        "slow_mode",
        "chat",
        "chat_deleted",
        "status",
    ]


def test_nothing_is_published_before_the_commit(
    live_event, host, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
        services.event_set_announcement(event=live_event, text="Free shipping", by=host)
        assert published == []  # not committed yet

    assert published == [
        {"type": "banner", "text": "Doorbusters", "seq": 1},
        {"type": "announcement", "text": "Free shipping", "seq": 2},
    ]


def test_nothing_is_published_when_the_transaction_rolls_back(
    live_event, host, show_products, published, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.event_feature_product(event=live_event, product_id=show_products[0].pk, by=host)
        services.event_set_banner(event=live_event, text="Doorbusters", by=host)
        raise RuntimeError("the caller's transaction fails afterwards")

    assert callbacks == [] and published == []
    assert live_state(live_event)["seq"] == 0
    assert live_state(live_event)["banner_text"] == ""


def test_a_refused_change_publishes_nothing(
    live_event, host, published, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(show_errors.InvalidInput),
    ):
        services.event_set_banner(event=live_event, text="x" * 141, by=host)

    assert callbacks == [] and published == []


# --- Stock ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "expected"),
    [
        (0, {"state": "sold_out", "left": 0}),
        (1, {"state": "low", "left": 1}),
        (5, {"state": "low", "left": 5}),
        (6, {"state": "in_stock", "left": None}),
    ],
)
def test_stock_changes_reach_open_shows_with_the_product(
    make_event, show_products, published, django_capture_on_commit_callbacks, stock, expected
):
    headphones, vacuum, _ = show_products
    live = make_event("live-now", status=Status.LIVE)
    upcoming = make_event("next-week", status=Status.SCHEDULED)
    ended = make_event("last-week", status=Status.ENDED)
    cancelled = make_event("called-off", status=Status.CANCELLED)
    without_it = make_event("no-headphones", status=Status.LIVE, products=[vacuum])

    with django_capture_on_commit_callbacks(execute=True):
        Variant.objects.filter(product=headphones).update(stock_on_hand=stock)
        stock_changed_on_commit([headphones.pk])
        assert published == []  # the catalog's change is not committed yet

    assert published == [
        {"type": "stock", "product_id": headphones.pk, "stock": expected, "seq": 1},
        {"type": "stock", "product_id": headphones.pk, "stock": expected, "seq": 1},
    ]
    seqs = {event.slug: live_state(event)["seq"] for event in (live, upcoming, ended, cancelled)}
    assert seqs == {"live-now": 1, "next-week": 1, "last-week": 0, "called-off": 0}
    assert live_state(without_it)["seq"] == 0


def test_stock_counts_every_variant_of_the_product(
    brand, make_product, make_event, published, django_capture_on_commit_callbacks
):
    jacket = make_product(
        brand,
        "Rain Jacket",
        variants=[{"price": 8900, "stock_on_hand": 2}, {"price": 9900, "stock_on_hand": 2}],
    )
    make_event(status=Status.LIVE, products=[jacket])

    with django_capture_on_commit_callbacks(execute=True):
        services.stock_changed(product_ids=[jacket.pk])

    assert published == [
        {"type": "stock", "product_id": jacket.pk, "stock": {"state": "low", "left": 4}, "seq": 1}
    ]


def test_stock_of_products_in_no_open_show_sends_nothing(
    make_event, show_products, published, django_capture_on_commit_callbacks
):
    make_event(status=Status.ENDED)

    with django_capture_on_commit_callbacks(execute=True):
        services.stock_changed(product_ids=[p.pk for p in show_products])

    assert published == []


def test_a_sale_that_leaves_the_stock_state_as_it_was_announces_nothing(
    make_event, show_products, published, django_capture_on_commit_callbacks
):
    # A flash sale: 40 headphones, sold one by one. Viewers see "In stock" until 5 are left.
    headphones = show_products[0]
    live = make_event(status=Status.LIVE)
    announced = []
    for left in (39, 38, 7, 6, 5, 4):
        Variant.objects.filter(product=headphones).update(stock_on_hand=left)
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_changed(product_ids=[headphones.pk])
        announced.append(len(published))

    # the first sale announces "In stock", then nothing until "Only 5 left", "Only 4 left"
    assert announced == [1, 1, 1, 1, 2, 3]
    assert [m["stock"] for m in published] == [
        {"state": "in_stock", "left": None},
        {"state": "low", "left": 5},
        {"state": "low", "left": 4},
    ]
    assert live_state(live)["seq"] == 3
