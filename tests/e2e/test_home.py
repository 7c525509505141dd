"""The home page in Chromium at phone size: the live show first, upcoming shows in the viewer's own
time zone with a countdown, and a show that ends moves to "Past shows" without a reload."""

import re

import pytest
from playwright.sync_api import expect

from catalog.demo import seed_waltmart
from events import services
from events.demo import seed_shows
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser


def test_a_viewer_finds_the_live_show_first_and_sees_it_end_without_reloading(
    live_server, new_page, settings, screenshot
):
    settings.LIVESHOP_LISTING_REFRESH_SECONDS = 1
    seeded = seed_waltmart()
    live, upcoming = seed_shows(seeded["merchant"])
    page = new_page(viewport=PHONE, timezone_id="America/New_York")

    page.goto(live_server.url + "/")
    page.evaluate("window.sameDocument = true")

    # the live show leads, with its brand, host and a Watch link to the show
    live_now = page.get_by_role("region", name="Live now")
    card = live_now.get_by_role("link", name=re.compile("Cyber Week Live"))
    expect(card).to_contain_text("Waltmart · with Jason Derulo")
    expect(card).to_contain_text("watching")
    expect(card).to_contain_text("Watch")
    assert card.get_attribute("href") == "/events/cyber-week-live/"
    box = card.bounding_box()
    assert box["y"] < PHONE["height"]  # in view without scrolling past anything else

    # the upcoming show says when, in the viewer's zone, and counts down
    coming = page.get_by_role("region", name="Coming up")
    expect(coming).to_contain_text("Holiday Home Preview")
    start = upcoming.scheduled_start.astimezone(_new_york())
    expect(coming.locator("time")).to_contain_text(re.compile(r"EST|EDT"))
    expect(coming.locator("time")).to_contain_text(f"{start.day}")
    expect(coming.locator("[data-countdown]")).to_contain_text("Starts in")
    screenshot(page, "home-phone")

    # when the host ends the show, it moves to "Past shows" on this same page
    services.event_transition(event=live, to="ended", by=seeded["owner"])
    expect(live_now).to_contain_text("Nothing live right now.", timeout=10_000)
    past = page.get_by_role("region", name="Past shows")
    expect(past.get_by_role("link", name=re.compile("Cyber Week Live"))).to_contain_text(
        "See the products"
    )
    assert page.evaluate("window.sameDocument") is True


def _new_york():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_the_header_is_one_compact_line_on_a_phone(live_server, new_page):
    page = new_page(viewport=PHONE)

    page.goto(live_server.url + "/")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 48  # it took about 125 px on two lines
    for name in ("Live shows", "Sell on Liveshop", "Shopping Manager"):
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
        assert link.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nav = page.get_by_role("navigation", name="Main")
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")  # every link in view
