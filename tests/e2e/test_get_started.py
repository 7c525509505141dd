"""A new merchant's first minutes, in Chromium: the approval email's link, choosing a password on
Liveshop's own page, landing on Get started, and coming back to it from the Shopping Manager."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from catalog import services
from catalog.models import MerchantApplication
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = (
    "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
)


@pytest.fixture
def set_password_path(transactional_db):
    """An approved application: the path of the set-password link its owner was emailed."""
    application = MerchantApplication.objects.create(
        business_name="Maple & Moss",
        website="https://maple-moss.example",
        contact_name="Ada Lovelace",
        contact_email="ada@maple-moss.example",
        what_they_sell="Handmade candles.",
    )
    reviewer = get_user_model().objects.create_superuser("platform", "p@liveshop.example", "pw")
    services.application_approve(application=application, slug="maple-moss", reviewer=reviewer)
    (email,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/set-password/\S+", email.body).group(0)
    return urlsplit(link).path


@pytest.mark.parametrize(
    ("viewport", "shot"),
    [(DESKTOP, "get-started-desktop"), (PHONE, "get-started-phone")],
    ids=["desktop", "phone"],
)
def test_a_new_owner_sets_a_password_and_lands_on_get_started(
    live_server, set_password_path, new_page, screenshot, viewport, shot
):
    page = new_page(viewport=viewport)

    # when the owner follows the emailed link
    page.goto(live_server.url + set_password_path)

    # then Liveshop's own page (its header and style) names the address to sign in with
    expect(page.get_by_role("link", name="Liveshop", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(page.locator(".lede")).to_contain_text("ada@maple-moss.example")
    expect(page.locator(".lede")).to_contain_text("Sign in with this email address")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # a weak password is refused on the page, with the reason next to the field
    page.get_by_label("New password", exact=True).fill("password")
    page.get_by_label("New password confirmation").fill("password")
    page.get_by_role("button", name="Save and open the Shopping Manager").click()
    expect(page.locator(".field-error")).to_contain_text("This password is too common.")

    page.get_by_label("New password", exact=True).fill("a-long-new-passphrase")
    page.get_by_label("New password confirmation").fill("a-long-new-passphrase")
    page.get_by_role("button", name="Save and open the Shopping Manager").click()

    # then they are signed in, on Get started: every step to do, with where to begin
    expect(page).to_have_url(f"{live_server.url}/admin/get-started/")
    expect(page.get_by_text("Welcome to the Shopping Manager of Maple & Moss")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("0 of")
    steps = page.locator(".get-started-step")
    expect(steps.first).to_contain_text("Add your products")
    expect(steps.first).to_contain_text("To do")
    expect(steps.filter(has_text="Go live from the console")).to_contain_text(
        "Once a show is scheduled"
    )
    expect(page.get_by_role("link", name="Add a product")).to_be_visible()
    expect(page.get_by_role("link", name="Import a CSV")).to_be_visible()
    expect(page.get_by_role("link", name="Schedule a show")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, shot)

    # and the Shopping Manager's home leads back to it
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name=re.compile("^Get started")).click()
    expect(page).to_have_url(f"{live_server.url}/admin/get-started/")


def test_the_shopping_managers_sign_in_asks_for_the_email_address(live_server, new_page, db):
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/admin/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the Shopping Manager")
    expect(page.get_by_label("Email address")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    # Liveshop's look: the site's stylesheet and header, not the admin's
    expect(page.get_by_role("link", name="Liveshop", exact=True)).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
