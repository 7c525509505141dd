"""A show edited in the Shopping Manager while viewers watch: their page follows, in Chromium."""

import pytest
from playwright.sync_api import expect

from events.models import LiveEvent
from tests.e2e.conftest import DESKTOP, sign_in
from tests.e2e.test_live_show import LIVE, demo, open_show  # noqa: F401 (demo is a fixture)

pytestmark = pytest.mark.browser


def test_an_admin_edit_mid_show_reaches_the_viewers_page_in_sequence(demo, new_page):  # noqa: F811
    viewer = open_show(new_page, demo, LIVE)
    seq = viewer.evaluate("window.liveshop.connection.seq")
    banner = viewer.locator("#banner-text").text_content()
    event = LiveEvent.objects.get(slug=LIVE)

    # when the owner renames the show and changes its host in the Shopping Manager
    admin = new_page(viewport=DESKTOP)
    sign_in(admin.context, demo.server, demo.owner)
    admin.goto(f"{demo.server.http}/admin/events/liveevent/{event.pk}/change/")
    admin.get_by_label("Title:").fill("Cyber Week Live: Day 2")
    admin.get_by_label("Host display name:").fill("Martha Stewart")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")

    # then the viewer's page shows the new title and host, applied as the next change
    expect(viewer.locator(".show-head h1")).to_have_text("Cyber Week Live: Day 2")
    expect(viewer.locator(".show-head .host strong")).to_have_text("Martha Stewart")
    assert viewer.evaluate("window.liveshop.connection.seq") == seq + 1
    # and what the host set before is still there
    expect(viewer.locator("#banner-text")).to_have_text(banner)
    event.refresh_from_db()
    assert event.seq == seq + 1 and event.status == LiveEvent.Status.LIVE
