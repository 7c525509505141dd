"""The checkout says what the buyer pays, keeps its place on Back and on a reload (issue 9)."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from checkout.models import CheckoutSettings, Order
from tests.e2e.conftest import IPHONE
from tests.e2e.test_checkout import (
    assert_video_kept_playing,
    demo,  # noqa: F401 (fixture)
    fill_shipping,
    watch_video,
)
from tests.e2e.test_live_show import LIVE, open_show

pytestmark = pytest.mark.browser


def test_the_buyer_reads_items_address_shipping_tax_total_and_the_hold_before_paying(
    demo,  # noqa: F811
    new_page,
    screenshot,
):
    CheckoutSettings.objects.create(
        merchant=demo.merchant,
        shipping_rate=599,
        free_shipping_over=50000,
        tax_mode=CheckoutSettings.TaxMode.RATE,
        tax_rate=Decimal("8.25"),
    )
    viewer = open_show(new_page, demo)
    watch_video(viewer)
    viewer.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.click()
    viewer.get_by_role("button", name="Add to cart").click()
    expect(viewer.locator("#buy-cart-note")).to_contain_text(
        "Shipping $5.99, free from $500.00. Shipping and tax are added before you pay; "
        "checking out holds your items for 10 minutes."
    )
    viewer.get_by_role("button", name="Checkout").click()
    fill_shipping(viewer)
    viewer.get_by_role("button", name="Continue to payment").click()

    expect(viewer.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(viewer.get_by_role("list", name="Items")).to_have_text(
        re.compile(r"1 × Noise-Cancelling Headphones \(Black\)\s*\$199\.00")
    )
    summary = viewer.locator(".summary")
    expect(summary).to_contain_text("Items$199.00")
    expect(summary).to_contain_text("Shipping$5.99")
    expect(summary).to_contain_text("Tax (8.25%)$16.42")
    expect(viewer.locator("#buy-payment-total")).to_have_text("$221.41")
    expect(viewer.locator("#buy-ship-to")).to_have_text(
        "Ada Lovelace\n12 Analytical Way\nSpringfield, IL 62701\nUS"
    )
    expect(viewer.get_by_role("timer")).to_have_text(
        re.compile(r"Your items are held for you for (10:00|9:\d\d)\.")
    )
    screenshot(viewer, "checkout-summary-desktop")
    order = Order.objects.get()
    assert (order.subtotal, order.shipping, order.tax, order.total) == (19900, 599, 1642, 22141)

    viewer.get_by_role("button", name="Pay (test)").click()
    expect(viewer.locator("#buy-confirmation-text")).to_contain_text("$221.41")
    assert_video_kept_playing(viewer)


def test_back_steps_back_inside_the_panel_and_a_reload_returns_to_the_same_payment(
    demo,  # noqa: F811
    new_page,
):
    viewer = open_show(new_page, demo, **IPHONE)
    watch_video(viewer)
    viewer.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.tap()
    viewer.get_by_role("button", name="Add to cart").tap()
    viewer.get_by_role("button", name="Checkout").tap()
    fill_shipping(viewer)
    viewer.get_by_role("button", name="Continue to payment").tap()
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_visible()
    order = Order.objects.get()

    # Back: the shipping form, then the cart, then the drawer closes; the show stays
    viewer.go_back()
    expect(viewer.get_by_role("button", name="Continue to payment")).to_be_visible()
    expect(viewer.get_by_label("Full name", exact=True)).to_have_value("Ada Lovelace")
    viewer.go_back()
    expect(viewer.get_by_role("button", name="Checkout")).to_be_visible()
    viewer.go_back()
    expect(viewer.locator("#side")).not_to_be_in_viewport()
    assert viewer.url.endswith(f"/events/{LIVE}/")
    assert_video_kept_playing(viewer)
    # Forward comes back to the steps
    viewer.go_forward()
    expect(viewer.get_by_role("button", name="Checkout")).to_be_visible()

    # the payment step again, then a reload: the same order, at its payment step
    viewer.get_by_role("button", name="Checkout").tap()
    viewer.get_by_role("button", name="Continue to payment").tap()
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_visible()
    viewer.reload()
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_visible()
    expect(viewer.get_by_role("timer")).to_contain_text("held for you")
    assert Order.objects.get().pk == order.pk  # no second order, no second hold
    viewer.get_by_role("button", name="Pay (test)").tap()
    expect(viewer.locator("#buy-confirmation-text")).to_contain_text(str(order.number)[:8])
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # Back from the confirmation leaves the panel, never back into a paid order
    viewer.go_back()
    expect(viewer.locator("#side")).not_to_be_in_viewport()


def test_a_signed_in_viewer_saves_the_address_and_finds_it_filled_in_next_time(
    demo,  # noqa: F811
    new_page,
):
    viewer_account = get_user_model().objects.create_user(
        "grace@example.com", "grace@example.com", "a-long-password-1"
    )
    page = open_show(new_page, demo, user=viewer_account)
    page.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    # the email is the account's; the address is empty the first time
    expect(page.get_by_label("Email", exact=True)).to_have_value("grace@example.com")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("")
    save = page.get_by_label("Save this address to my account")
    expect(save).to_be_checked()
    for label, value in {
        "Full name": "Grace Hopper",
        "Address": "1 Navy Way",
        "City": "Arlington",
        "State or region": "VA",
        "Postal code": "22202",
    }.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay (test)").click()
    expect(page.get_by_role("heading", name="Order confirmed")).to_be_visible()

    # next time, in a new browser, the form is filled in
    again = open_show(new_page, demo, user=viewer_account)
    again.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.click()
    again.get_by_role("button", name="Add to cart").click()
    again.get_by_role("button", name="Checkout").click()
    expect(again.get_by_label("Full name", exact=True)).to_have_value("Grace Hopper")
    expect(again.get_by_label("Postal code", exact=True)).to_have_value("22202")
    expect(again.get_by_label("Country", exact=True)).to_have_value("US")


def test_a_guest_is_not_offered_to_save_an_address(demo, new_page):  # noqa: F811
    page = open_show(new_page, demo)
    page.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    expect(page.get_by_label("Save this address to my account")).to_be_hidden()


def test_when_the_hold_runs_out_the_panel_says_so_and_goes_back_to_the_cart(
    demo,  # noqa: F811
    new_page,
):
    from datetime import timedelta

    from django.utils import timezone

    page = open_show(new_page, demo)
    page.get_by_role("button", name="Buy Noise-Cancelling Headphones").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    fill_shipping(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("button", name="Pay (test)")).to_be_visible()
    # the hold has three seconds left (as if the buyer had waited nearly ten minutes)
    Order.objects.update(reserved_until=timezone.now() + timedelta(seconds=3))
    page.reload()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"held for you for 0:0[0-3]\."))

    expect(page.get_by_role("alert").filter(has_text="hold ran out")).to_have_text(
        "Your hold ran out and the items went back on sale. Check out again to hold them."
    )
    expect(page.get_by_role("button", name="Checkout")).to_be_visible()
    expect(page.get_by_role("timer")).to_be_hidden()
