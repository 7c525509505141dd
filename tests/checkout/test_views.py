"""The buying endpoints of the event page, as a browser (or anything else) calls them."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from checkout.models import CartLine, Order
from events.models import LiveEvent, ShowProduct
from tests.checkout.conftest import ANDROID, CONTACT, DESKTOP, IPHONE

Status = Order.Status
WATCH_ONLY = (
    "Buying during this show is available on iOS and Desktop. On this device you can watch."
)


def url(name: str, *args) -> str:
    return reverse(f"checkout:{name}", args=args)


def post(client: Client, path: str, payload=None, *, raw: str | None = None, agent=DESKTOP):
    body = raw if raw is not None else json.dumps(payload or {})
    return client.post(
        path, data=body, content_type="application/json", headers={"user-agent": agent}
    )


def get(client: Client, path: str, *, agent=DESKTOP):
    return client.get(path, headers={"user-agent": agent})


def stock(variant) -> tuple[int, int]:
    variant.refresh_from_db()
    return variant.stock_on_hand, variant.reserved


def add(client, event, variant, quantity=1, agent=DESKTOP, **extra):
    return post(
        client,
        url("cart_add", event.slug),
        {"variant_id": variant.pk, "quantity": quantity, **extra},
        agent=agent,
    )


def checkout(client, event, agent=DESKTOP, **extra):
    return post(client, url("checkout_start", event.slug), {**CONTACT, **extra}, agent=agent)


@pytest.fixture
def started(client, live_event, vacuum):
    """A guest (this test client's session) who started checkout for 2 vacuums."""
    add(client, live_event, vacuum, 2)
    response = checkout(client, live_event)
    assert response.status_code == 200, response.content
    return Order.objects.get(number=response.json()["order"]["number"])


# --- Buying end to end ----------------------------------------------------------------------------


@pytest.mark.parametrize("agent", [IPHONE, DESKTOP], ids=["iphone", "desktop"])
def test_a_viewer_buys_during_the_show_in_test_mode(
    client, live_event, headphones, vacuum, agent, mailoutbox
):
    # the viewer picks an option of the featured product
    options = get(client, url("product_options", live_event.slug, vacuum.product_id), agent=agent)
    assert options.status_code == 200
    assert options.json()["variants"] == [
        {
            "id": vacuum.pk,
            "label": "Standard",
            "price": 24900,
            "price_display": "$249.00",
            "regular_price_display": "$249.00",
            "available": 3,
        }
    ]

    # adds it to the cart, with a pair of headphones
    assert add(client, live_event, vacuum, 2, agent=agent).status_code == 200
    cart = add(client, live_event, headphones, 1, agent=agent).json()
    assert [(line["title"], line["quantity"]) for line in cart["lines"]] == [
        ("Robot Vacuum", 2),
        ("Noise-Cancelling Headphones", 1),
    ]
    assert (cart["total"], cart["total_display"]) == (2 * 24900 + 19900, "$697.00")

    # checks out: the stock is held, and the page gets a test-mode payment
    response = checkout(client, live_event, agent=agent)
    assert response.status_code == 200
    body = response.json()
    assert body["order"]["status"] == "pending_payment"
    assert body["order"]["total_display"] == "$697.00"
    assert body["payment"]["provider"] == "test" and body["payment"]["test_mode"] is True
    assert body["payment"]["client_secret"]
    assert stock(vacuum) == (3, 2)

    # pays with the test-mode form
    number = body["order"]["number"]
    paid = post(client, url("test_mode_pay", number), {"outcome": "succeed"}, agent=agent)
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["status_display"]) == ("paid", "Paid")

    # and the order is paid, the stock sold, the cart empty, the buyer emailed
    assert get(client, url("order_status", number), agent=agent).json()["status"] == "paid"
    assert stock(vacuum) == (1, 0)
    assert get(client, url("cart", live_event.slug), agent=agent).json()["lines"] == []
    assert [email.to for email in mailoutbox] == [["ada@example.com"]]


def test_a_failed_test_mode_payment_gives_the_stock_back(client, started, vacuum):
    response = post(client, url("test_mode_pay", started.number), {"outcome": "fail"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["reason"] == "The payment did not go through."
    assert stock(vacuum) == (3, 0)


@pytest.mark.parametrize("payload", [{}, {"outcome": "sucess"}, {"outcome": True}])
def test_the_test_payment_form_needs_a_clear_outcome(client, started, vacuum, payload):
    response = post(client, url("test_mode_pay", started.number), payload)

    assert response.status_code == 400
    assert (
        response.json()["error"] == 'Choose the outcome of the test payment: "succeed" or "fail".'
    )
    started.refresh_from_db()
    assert started.status == Status.PENDING_PAYMENT
    assert stock(vacuum) == (3, 2)


def test_the_buyer_cancels_a_checkout_in_progress(client, started, vacuum):
    response = post(client, url("order_cancel", started.number))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert stock(vacuum) == (3, 0)


def test_prices_sent_by_the_browser_are_ignored(client, live_event, vacuum):
    # a tampered request claims a price of one cent everywhere it can
    cart = add(client, live_event, vacuum, 1, price=1, unit_price=1, total=1).json()
    assert cart["total"] == 24900

    response = checkout(client, live_event, total=1, amount=1, price=1, currency="EUR")

    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.total, order.currency) == (24900, "USD")
    assert order.lines.get().unit_price == 24900


def test_the_flash_price_is_the_servers(client, live_event, headphones):
    ShowProduct.objects.filter(event=live_event, product_id=headphones.product_id).update(
        live_price=14900
    )

    options = get(client, url("product_options", live_event.slug, headphones.product_id)).json()
    add(client, live_event, headphones, 1, price=100)
    checkout(client, live_event)

    assert options["deal"] is True
    assert options["variants"][0]["price_display"] == "$149.00"
    assert options["variants"][0]["regular_price_display"] == "$199.00"
    assert Order.objects.get().total == 14900


# --- Android watches --------------------------------------------------------------------------------


def test_android_viewers_are_refused_on_every_purchase_endpoint(client, live_event, vacuum):
    # even a request made directly, without ever opening the page
    responses = [
        add(client, live_event, vacuum, 1, agent=ANDROID),
        checkout(client, live_event, agent=ANDROID),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"error": WATCH_ONLY, "code": "platform_not_allowed"}
    assert not CartLine.objects.exists() and not Order.objects.exists()
    assert stock(vacuum) == (3, 0)


def test_a_session_that_switches_to_android_cannot_change_its_cart_or_pay(
    client, live_event, started, vacuum
):
    line = CartLine.objects.get()

    responses = [
        post(client, url("cart_line", live_event.slug, line.pk), {"quantity": 1}, agent=ANDROID),
        checkout(client, live_event, agent=ANDROID),
        post(client, url("test_mode_pay", started.number), {"outcome": "succeed"}, agent=ANDROID),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json()["error"] == WATCH_ONLY
    started.refresh_from_db()
    assert started.status == Status.PENDING_PAYMENT
    assert CartLine.objects.get().quantity == 2
    assert stock(vacuum) == (3, 2)


def test_the_android_client_hint_is_refused_whatever_the_user_agent_says(
    client, live_event, vacuum
):
    response = client.post(
        url("cart_add", live_event.slug),
        data=json.dumps({"variant_id": vacuum.pk, "quantity": 1}),
        content_type="application/json",
        headers={"user-agent": DESKTOP, "sec-ch-ua-platform": '"Android"'},
    )

    assert response.status_code == 403
    assert not CartLine.objects.exists()


def test_android_viewers_can_still_see_the_products_and_their_cart(client, live_event, vacuum):
    options = get(client, url("product_options", live_event.slug, vacuum.product_id), agent=ANDROID)
    cart = get(client, url("cart", live_event.slug), agent=ANDROID)

    assert options.status_code == 200 and options.json()["title"] == "Robot Vacuum"
    assert cart.status_code == 200 and cart.json()["lines"] == []


# --- Bad requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("{not json", "The request body is not valid JSON."),
        # nested too deeply to parse, and text that is not Unicode (issue 16): no 500
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "The request body is not valid JSON."),
        ('{"quantity": "\\ud800"}', "The request body is not valid JSON."),
        # numbers JSON does not have, which Python would read as nan and inf
        ('{"quantity": NaN}', "The request body is not valid JSON."),
        ('{"quantity": 1e999}', "The request body is not valid JSON."),
        ('{"quantity": ' + "9" * 5000 + "}", "The request body is not valid JSON."),
        ("[1, 2]", "The request body must be a JSON object."),
        ('"buy"', "The request body must be a JSON object."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, live_event, started, raw, error):
    line = CartLine.objects.get()
    before = (list(Order.objects.values_list("status")), stock(started.lines.get().variant))

    paths = [
        url("cart_add", live_event.slug),
        url("cart_line", live_event.slug, line.pk),
        url("checkout_start", live_event.slug),
        url("test_mode_pay", started.number),
    ]
    for path in paths:
        response = post(client, path, raw=raw)
        assert response.status_code == 400, path
        assert response.json() == {"error": error, "code": "invalid"}

    assert (list(Order.objects.values_list("status")), stock(started.lines.get().variant)) == before


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"variant_id": "x", "quantity": 1}, 400, "Choose an option of a product in this show."),
        ({"variant_id": None}, 400, "Choose an option of a product in this show."),
        ({"variant_id": 987654, "quantity": 1}, 400, "That option is not part of this show."),
        ({"quantity": 0}, 400, "Choose a quantity from 1 to 10."),
        ({"quantity": -3}, 400, "Choose a quantity from 1 to 10."),
        ({"quantity": 1000}, 400, "Choose a quantity from 1 to 10."),
        ({"quantity": "1; DROP TABLE"}, 400, "Choose a quantity from 1 to 10."),
        ({"quantity": 4}, 409, "Only 3 of Robot Vacuum left."),
    ],
)
def test_bad_cart_input_gets_a_clear_error_and_changes_nothing(
    client, live_event, vacuum, payload, status, error
):
    body = {"variant_id": vacuum.pk, "quantity": 1, **payload}

    response = post(client, url("cart_add", live_event.slug), body)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert not CartLine.objects.exists()


def test_a_sold_out_option_is_a_conflict(client, live_event, air_fryer):
    response = add(client, live_event, air_fryer)

    assert response.status_code == 409
    assert response.json() == {"error": "Air Fryer is sold out.", "code": "sold_out"}


def test_contact_details_with_errors_are_returned_per_field(client, live_event, vacuum):
    add(client, live_event, vacuum, 1)

    response = post(
        client,
        url("checkout_start", live_event.slug),
        {**CONTACT, "email": "not-an-email", "shipping_name": "  ", "shipping_country": "XX"},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Check the highlighted fields."
    assert body["fields"] == {
        "email": ["Enter a valid email address."],
        "shipping_name": ["This field is required."],
        "shipping_country": ["Select a valid choice. XX is not one of the available choices."],
    }
    assert not Order.objects.exists()
    assert stock(vacuum) == (3, 0)


def test_a_postal_code_and_state_are_checked_for_the_country(client, live_event, vacuum):
    add(client, live_event, vacuum, 1)
    us_address = {"shipping_city": "San Francisco", "shipping_country": "US"}

    # a UK postcode for a US address, and no state
    refused = checkout(client, live_event, **us_address, shipping_postal_code="N1 9GU")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "shipping_postal_code": ["Enter a valid ZIP code for United States, e.g. 95014."],
        "shipping_region": ["Enter a state, e.g. AL or Alabama."],
    }
    assert not Order.objects.exists()
    assert stock(vacuum) == (3, 0)

    # a New York ZIP code in California
    wrong_state = checkout(
        client,
        live_event,
        **us_address,
        shipping_region="California",
        shipping_postal_code="10001",
    )
    assert wrong_state.json()["fields"] == {
        "shipping_postal_code": ["10001 is not a ZIP code in California."]
    }

    # corrected, the order is placed with the state's code
    placed = checkout(
        client,
        live_event,
        **us_address,
        shipping_region="california",
        shipping_postal_code=" 94103 ",
    )
    assert placed.status_code == 200, placed.content
    order = Order.objects.get()
    assert (order.shipping_region, order.shipping_postal_code) == ("CA", "94103")


def test_a_postcode_is_stored_as_the_post_writes_it(client, live_event, vacuum):
    add(client, live_event, vacuum, 1)

    response = checkout(client, live_event, shipping_postal_code="n1   9gu")

    assert response.status_code == 200, response.content
    assert Order.objects.get().shipping_postal_code == "N1 9GU"


def test_checkout_of_an_empty_cart_is_refused(client, live_event):
    response = checkout(client, live_event)

    assert response.status_code == 400
    assert response.json()["error"] == "Your cart is empty."


def test_checkout_of_a_cancelled_show_is_refused(client, make_event, vacuum):
    show = make_event("called-off", status=LiveEvent.Status.SCHEDULED)
    add(client, show, vacuum, 1)
    LiveEvent.objects.filter(pk=show.pk).update(status=LiveEvent.Status.CANCELLED)

    response = checkout(client, show)

    assert response.status_code == 409
    assert response.json() == {
        "error": "This show was cancelled, so its products cannot be bought here.",
        "code": "show_closed",
    }
    assert not Order.objects.exists()


def test_a_double_submit_from_the_page_returns_the_same_order(client, live_event, vacuum):
    add(client, live_event, vacuum, 2)

    first, second = checkout(client, live_event).json(), checkout(client, live_event).json()

    assert second["order"]["number"] == first["order"]["number"]
    assert second["payment"]["client_secret"]
    assert Order.objects.count() == 1 and stock(vacuum) == (3, 2)


def test_buying_endpoints_need_post(client, live_event, started):
    for path in (
        url("cart_add", live_event.slug),
        url("checkout_start", live_event.slug),
        url("test_mode_pay", started.number),
        url("order_cancel", started.number),
    ):
        assert get(client, path).status_code == 405


def test_buying_endpoints_are_protected_from_other_sites(live_event, vacuum):
    # a page on another site cannot make a viewer's browser buy: no CSRF token, no purchase
    browser = Client(enforce_csrf_checks=True)

    response = add(browser, live_event, vacuum, 1)

    assert response.status_code == 403
    assert not CartLine.objects.exists()


def test_an_unknown_show_or_product_is_not_found(client, live_event, make_product, brand):
    elsewhere = make_product(brand, "Blender")

    assert get(client, url("cart", "no-such-show")).status_code == 404
    assert post(client, url("cart_add", "no-such-show"), {}).status_code == 404
    missing = get(client, url("product_options", live_event.slug, elsewhere.pk))
    assert missing.status_code == 404
    assert missing.json() == {"error": "That product is not part of this show."}


def test_a_show_of_an_unverified_brand_sells_nothing(client, live_event, vacuum):
    live_event.merchant.is_verified = False
    live_event.merchant.save()

    assert add(client, live_event, vacuum, 1).status_code == 404
    assert not CartLine.objects.exists()


# --- Whose cart, whose order ----------------------------------------------------------------------


def test_a_guest_cart_belongs_to_its_session(client, live_event, started, vacuum):
    stranger = Client()
    line = CartLine.objects.get()

    assert get(stranger, url("cart", live_event.slug)).json()["lines"] == []
    changed = post(stranger, url("cart_line", live_event.slug, line.pk), {"quantity": 0})
    assert changed.status_code == 400
    assert changed.json()["error"] == "That item is not in your cart."
    assert CartLine.objects.get().quantity == 2


def test_nobody_else_sees_cancels_or_pays_an_order(client, started, vacuum, viewer):
    for stranger in (Client(), signed_in(viewer)):
        assert get(stranger, url("order_status", started.number)).status_code == 404
        assert post(stranger, url("order_cancel", started.number)).status_code == 404
        paid = post(stranger, url("test_mode_pay", started.number), {"outcome": "succeed"})
        assert paid.status_code == 404

    started.refresh_from_db()
    assert started.status == Status.PENDING_PAYMENT
    assert stock(vacuum) == (3, 2)
    assert get(client, url("order_status", started.number)).json()["status"] == "pending_payment"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_in_viewer_finds_their_cart_on_another_device(live_event, viewer, vacuum):
    laptop, phone = signed_in(viewer), signed_in(viewer)

    add(laptop, live_event, vacuum, 1)

    assert (
        get(phone, url("cart", live_event.slug), agent=IPHONE).json()["lines"][0]["quantity"] == 1
    )


# --- Account orders -------------------------------------------------------------------------------


def test_the_account_page_lists_the_viewers_orders_only(
    live_event, viewer, make_buyer, vacuum, headphones
):
    me, someone = signed_in(viewer), signed_in(make_buyer("someone"))
    add(me, live_event, vacuum, 1)
    mine = checkout(me, live_event).json()["order"]["number"]
    post(me, url("test_mode_pay", mine), {"outcome": "succeed"})
    add(someone, live_event, headphones, 1)
    theirs = checkout(someone, live_event).json()["order"]["number"]

    response = get(me, url("account_orders"))

    assert response.status_code == 200
    page = response.content.decode()
    assert mine in page and "Robot Vacuum" in page and "Paid" in page and "$249.00" in page
    assert theirs not in page and "Noise-Cancelling Headphones" not in page


def test_the_account_page_needs_a_signed_in_viewer(client):
    response = client.get(url("account_orders"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_account_without_orders_says_so(viewer):
    page = get(signed_in(viewer), url("account_orders")).content.decode()

    assert "No orders yet." in page


def test_looking_at_an_empty_cart_makes_no_session(client, live_event):
    response = get(client, url("cart", live_event.slug))

    assert response.json()["lines"] == []
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
