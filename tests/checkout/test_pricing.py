"""What an order costs before it is paid: items, the merchant's shipping rate, and tax (issue 9)."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from checkout.cart import cart_add
from checkout.errors import PaymentUnavailable
from checkout.models import CheckoutSettings, Order
from checkout.orders import checkout_start
from tests.checkout.conftest import CONTACT, DESKTOP
from tests.checkout.test_stripe import stripe_api  # noqa: F401 (fixture)

TaxMode = CheckoutSettings.TaxMode
US_CONTACT = {
    **CONTACT,
    "shipping_line1": "1 Market St",
    "shipping_city": "San Francisco",
    "shipping_region": "CA",
    "shipping_postal_code": "94105",
    "shipping_country": "US",
}


def buy(event, shopper, variant, quantity=1, contact=CONTACT) -> Order:
    cart_add(event=event, shopper=shopper, variant_id=variant.pk, quantity=quantity)
    return checkout_start(event=event, shopper=shopper, contact=dict(contact)).order


def rule(merchant, **fields) -> CheckoutSettings:
    return CheckoutSettings.objects.create(merchant=merchant, **fields)


def amounts(order: Order) -> tuple[int, int, int, int, str]:
    return order.subtotal, order.shipping, order.tax, order.total, order.tax_label


def test_a_merchant_without_a_rule_ships_free_with_tax_included(live_event, shopper, headphones):
    order = buy(live_event, shopper, headphones, 2)

    assert amounts(order) == (39800, 0, 0, 39800, "Tax included")


def test_a_flat_rate_is_added_below_the_free_shipping_amount_and_not_from_it(
    live_event, shopper, make_buyer, headphones, brand
):
    from checkout.shoppers import Shopper

    rule(brand, shipping_rate=599, free_shipping_over=39800)
    below = buy(live_event, shopper, headphones, 1)
    other = Shopper(user=make_buyer("grace"), session_key="", platform=shopper.platform)
    at_threshold = buy(live_event, other, headphones, 2)

    assert amounts(below) == (19900, 599, 0, 20499, "Tax included")
    assert amounts(at_threshold) == (39800, 0, 0, 39800, "Tax included")


def test_the_merchants_own_rate_is_added_on_the_items_rounded_half_up(
    live_event, shopper, headphones, brand
):
    rule(brand, shipping_rate=500, tax_mode=TaxMode.RATE, tax_rate=Decimal("8.25"))

    order = buy(live_event, shopper, headphones, 1)

    # 8.25% of 199.00 is 16.4175
    assert amounts(order) == (19900, 500, 1642, 19900 + 500 + 1642, "Tax (8.25%)")


def test_stripe_tax_is_asked_with_the_shipping_address_and_the_intent_is_for_the_total(
    stripe_api,  # noqa: F811
    live_event,
    shopper,
    headphones,
    brand,
):
    rule(brand, shipping_rate=1000, tax_mode=TaxMode.STRIPE)

    order = buy(live_event, shopper, headphones, 1, US_CONTACT)

    [tax_call] = stripe_api.calls_to("/v1/tax/calculations")
    assert tax_call.params["customer_details[address][state]"] == "CA"
    assert tax_call.params["customer_details[address][postal_code]"] == "94105"
    assert tax_call.params["line_items[0][amount]"] == "19900"
    assert tax_call.params["shipping_cost[amount]"] == "1000"
    tax = round((19900 + 1000) * 0.0725)
    assert amounts(order) == (19900, 1000, tax, 19900 + 1000 + tax, "Tax")
    [intent_call] = stripe_api.calls_to("/v1/payment_intents")
    assert intent_call.params["amount"] == str(order.total)


def test_when_stripe_tax_fails_nothing_is_held_and_the_buyer_reads_why(
    stripe_api,  # noqa: F811
    live_event,
    shopper,
    headphones,
    brand,
):
    rule(brand, tax_mode=TaxMode.STRIPE)
    stripe_api.fail_times = 1

    with pytest.raises(PaymentUnavailable, match="tax could not be calculated"):
        buy(live_event, shopper, headphones, 1, US_CONTACT)

    assert not Order.objects.exists()
    headphones.refresh_from_db()
    assert headphones.reserved == 0


def test_a_changed_address_gives_a_new_order_with_its_own_tax(
    stripe_api,  # noqa: F811
    live_event,
    shopper,
    headphones,
    brand,
):
    rule(brand, tax_mode=TaxMode.STRIPE)
    first = buy(live_event, shopper, headphones, 1, US_CONTACT)
    new_york = {
        **US_CONTACT,
        "shipping_city": "New York",
        "shipping_region": "NY",
        "shipping_postal_code": "10001",
    }

    second = checkout_start(event=live_event, shopper=shopper, contact=new_york).order

    assert second.pk != first.pk
    assert second.tax == round(19900 * 0.08875)
    first.refresh_from_db()
    assert first.status == Order.Status.CANCELLED


def test_the_page_gets_the_summary_before_paying(live_event, headphones, brand):
    rule(brand, shipping_rate=599, tax_mode=TaxMode.RATE, tax_rate=Decimal("10"))
    client = Client(headers={"user-agent": DESKTOP})
    client.post(
        reverse("checkout:cart_add", args=[live_event.slug]),
        {"variant_id": headphones.pk, "quantity": 2},
        content_type="application/json",
    )
    cart = client.get(reverse("checkout:cart", args=[live_event.slug])).json()
    assert cart["shipping_note"] == "Shipping $5.99."

    response = client.post(
        reverse("checkout:checkout_start", args=[live_event.slug]),
        json.dumps(CONTACT),
        content_type="application/json",
    )

    order = response.json()["order"]
    assert order["subtotal_display"] == "$398.00"
    assert order["shipping_display"] == "$5.99"
    assert (order["tax_label"], order["tax_display"]) == ("Tax (10%)", "$39.80")
    assert order["total_display"] == "$443.79"
    assert order["ship_to"] == ["Ada Lovelace", "12 Analytical Row", "London, N1 9GU", "GB"]
    assert [line["line_total_display"] for line in order["lines"]] == ["$398.00"]
    assert 9 * 60 < order["seconds_left"] <= 10 * 60
    assert order["contact"]["shipping_postal_code"] == "N1 9GU"


# --- The rule in the Shopping Manager -------------------------------------------------------------


def settings_form(merchant, **fields) -> dict:
    return {
        "merchant": merchant.pk,
        "shipping_rate": "5.99",
        "free_shipping_over": "50.00",
        "tax_mode": TaxMode.INCLUDED,
        "tax_rate": "0",
        **fields,
    }


def test_an_owner_sets_shipping_in_money_and_reads_it_back(client, brand, make_staff):
    client.force_login(make_staff(brand))

    response = client.post(reverse("admin:checkout_checkoutsettings_add"), settings_form(brand))

    assert response.status_code == 302
    saved = CheckoutSettings.objects.get(merchant=brand)
    assert (saved.shipping_rate, saved.free_shipping_over) == (599, 5000)
    listing = client.get(reverse("admin:checkout_checkoutsettings_changelist"))
    assert "Shipping $5.99, free from $50.00." in listing.content.decode()
    change = client.get(reverse("admin:checkout_checkoutsettings_change", args=[saved.pk]))
    assert 'value="5.99"' in change.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"shipping_rate": "abc"}, "shipping_rate", "is not a price"),
        ({"tax_mode": TaxMode.RATE, "tax_rate": "0"}, "tax_rate", "Enter the rate"),
        ({"tax_mode": TaxMode.RATE, "tax_rate": "120"}, "tax_rate", "less than or equal to 100"),
        ({"tax_mode": TaxMode.STRIPE}, "tax_mode", "Stripe Tax needs"),
    ],
)
def test_a_bad_rule_gets_a_field_error_and_saves_nothing(
    client, brand, make_staff, fields, field, message
):
    client.force_login(make_staff(brand))

    response = client.post(
        reverse("admin:checkout_checkoutsettings_add"), settings_form(brand, **fields)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not CheckoutSettings.objects.exists()


def test_a_merchant_never_sees_or_sets_another_merchants_rule(
    client, brand, make_merchant, make_staff
):
    other = make_merchant("other-brand")
    theirs = rule(other, shipping_rate=100)
    client.force_login(make_staff(brand))

    listing = client.get(reverse("admin:checkout_checkoutsettings_changelist"))
    opened = client.get(reverse("admin:checkout_checkoutsettings_change", args=[theirs.pk]))
    posted = client.post(reverse("admin:checkout_checkoutsettings_add"), settings_form(other))

    assert "Other Brand" not in listing.content.decode()
    assert opened.status_code in (302, 403, 404)
    assert posted.status_code == 200  # "select a valid choice": not its merchant
    assert CheckoutSettings.objects.get().merchant == other


@pytest.mark.parametrize(
    ("phone", "country", "stored", "error"),
    [
        ("(415) 555-2671", "US", "+14155552671", None),
        ("020 7946 0018", "GB", "+442079460018", None),
        ("", "US", "", None),
        ("555-0000", "US", None, "Enter a valid phone number for United States, e.g."),
        ("call me", "GB", None, "Enter a valid phone number for United Kingdom, e.g."),
    ],
)
def test_a_phone_is_optional_checked_for_the_country_and_kept_in_e164(
    live_event, headphones, phone, country, stored, error
):
    address = US_CONTACT if country == "US" else CONTACT
    client = Client(headers={"user-agent": DESKTOP})
    client.post(
        reverse("checkout:cart_add", args=[live_event.slug]),
        {"variant_id": headphones.pk, "quantity": 1},
        content_type="application/json",
    )

    response = client.post(
        reverse("checkout:checkout_start", args=[live_event.slug]),
        json.dumps({**address, "shipping_phone": phone}),
        content_type="application/json",
    )

    if error:
        assert response.status_code == 400
        assert error in response.json()["fields"]["shipping_phone"][0]
        assert not Order.objects.exists()
    else:
        assert response.status_code == 200
        assert Order.objects.get().shipping_phone == stored
