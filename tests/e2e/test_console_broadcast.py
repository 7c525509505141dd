"""The console's Broadcast card in Chromium with a real ingest (nginx + the RTMP module): the host
makes a stream key on the console, ffmpeg publishes with it as OBS would, and the console shows
the stream arriving, its health and a muted preview, lets the host go live, and warns when the
video stops (issue 10)."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.demo import seed_waltmart
from events.demo import seed_shows
from events.models import LiveEvent
from ingest.models import StreamKey
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_live_show import LIVE, SCHEDULED, UNNAMED_CONTROLS, wait_until_connected
from tests.ingest.conftest import ingest, publish  # noqa: F401 (the ingest fixture)

pytestmark = pytest.mark.browser

# The preview plays on: wait until its time is past `since`, muted.
PREVIEW_PAST = """since => {
    const video = document.getElementById("preview");
    return video.muted && !video.paused && video.currentTime > since;
}"""


@pytest.fixture
def demo(ingest):  # noqa: F811 (the fixture imported above)
    """The Waltmart demo on the ingest's own daphne (it has the ingest's settings)."""
    seeded = seed_waltmart()
    live, scheduled = seed_shows(seeded["merchant"])
    return SimpleNamespace(
        server=ingest.server, ingest=ingest, owner=seeded["owner"], live=live, scheduled=scheduled
    )


def open_console(new_page, demo, slug: str, **context) -> Page:
    """The show's console, signed in as Waltmart's owner, allowed to use the clipboard; every
    dialog it opens is noted in `page.dialogs` and answered with `page.answer` (True: OK)."""
    page = new_page(permissions=["clipboard-read", "clipboard-write"], **context)
    sign_in(page.context, demo.server, demo.owner)
    page.dialogs, page.answer = [], True

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept() if page.answer else dialog.dismiss()

    page.on("dialog", answer)
    assert page.goto(f"{demo.server.http}/events/{slug}/console/").status == 200
    wait_until_connected(page)
    return page


def make_key(page: Page) -> str:
    """Press "New stream key" and read the key the console shows, this once."""
    page.get_by_role("button", name="New stream key").click()
    field = page.get_by_label("Your new stream key", exact=True)
    expect(field).to_have_value(re.compile(r"^live_\S{30,}$"))
    return field.input_value()


def test_a_stream_sent_with_the_consoles_key_shows_its_health_and_preview_and_a_drop_warns(
    demo, new_page, screenshot
):
    host = open_console(new_page, demo, LIVE)
    card = host.locator("#broadcast")
    expect(card.get_by_label("Server", exact=True)).to_have_value(demo.ingest.rtmp)
    expect(card.locator("#stream-pill")).to_have_text("No stream key")

    # when the host makes a key, it is shown once, and copies
    key = make_key(host)
    assert host.dialogs == []  # the first key asks nothing
    expect(card.get_by_text("Copy it now: it is shown once.")).to_be_visible()
    card.get_by_role("button", name="Copy the stream key").click()
    expect(card.locator("#new-key .copied")).to_have_text("Copied")
    assert host.evaluate("navigator.clipboard.readText()") == key
    card.get_by_role("button", name="Copy the server URL").click()
    assert host.evaluate("navigator.clipboard.readText()") == demo.ingest.rtmp
    # the live show waits for its video, and says so
    expect(card.locator("#stream-pill")).to_have_text("Not receiving")
    expect(card.locator("#health-warnings")).to_contain_text("No video is arriving")
    expect(card.locator("#preview-note")).to_have_text("Waiting for your video from OBS…")

    # when OBS (ffmpeg) sends video with that key
    ffmpeg = publish(demo.ingest, key)
    try:
        # then the console shows it arriving, with its health
        expect(card.locator("#stream-pill")).to_have_text("Receiving", timeout=20_000)
        expect(card.locator("#health-resolution")).to_have_text("640×360")
        expect(card.locator("#health-frame-rate")).to_have_text("30 fps")
        expect(card.locator("#health-bitrate")).to_have_text(
            re.compile(r"^[1-9][\d,]* kbps$"),
            timeout=20_000,  # nginx measures it over 10 s
        )
        expect(card.locator("#health-keyframes")).to_have_text(re.compile(r"^every [\d.]+ s$"))
        expect(card.locator("#health-last-fragment")).to_have_text(re.compile(r"^\d+ s ago$"))
        expect(card.locator("#health-warnings")).not_to_contain_text("No video is arriving")
        # and the muted preview plays what viewers see
        host.wait_for_function(PREVIEW_PAST, arg=0.5, timeout=30_000)
        at = host.evaluate("document.getElementById('preview').currentTime")
        host.wait_for_function(PREVIEW_PAST, arg=at + 1)
        expect(card.locator("#preview-note")).to_be_hidden()
        expect(card.locator("#stream-alert")).to_be_empty()
        assert host.evaluate(UNNAMED_CONTROLS) == []
        card.evaluate("card => card.scrollIntoView({block: 'end'})")
        screenshot(host, "console-broadcast")
    finally:
        ffmpeg.terminate()
        ffmpeg.wait(10)

    # when the video stops while the show is live, the host is warned at once
    alert = card.get_by_role("alert").filter(has_text="Your video stopped")
    expect(alert).to_have_text(re.compile("viewers see that it is reconnecting"))
    expect(card.locator("#stream-pill")).to_have_text("Not receiving")
    assert LiveEvent.objects.get(pk=demo.live.pk).status == LiveEvent.Status.LIVE

    # and the warning goes once the video is back
    again = publish(demo.ingest, key)
    try:
        expect(card.locator("#stream-pill")).to_have_text("Receiving", timeout=20_000)
        expect(card.locator("#stream-alert")).to_be_empty()
        at = host.evaluate("document.getElementById('preview').currentTime")
        host.wait_for_function(PREVIEW_PAST, arg=at + 1, timeout=30_000)
    finally:
        again.kill()
    # the page never held the key but in the field it was shown in
    assert key not in host.content()


def test_the_host_goes_live_at_once_when_video_arrives_and_is_asked_first_when_none_does(
    demo, new_page, screenshot
):
    LiveEvent.objects.filter(pk=demo.scheduled.pk).update(
        scheduled_start=timezone.now() + timedelta(minutes=10)
    )
    # (axe-core is loaded into the page: the first test plays the preview under the site's CSP)
    host = open_console(new_page, demo, SCHEDULED, viewport=PHONE, bypass_csp=True)
    card = host.locator("#broadcast")
    key = make_key(host)

    # a new key when one exists asks first; "Cancel" keeps the old one
    host.answer = False
    host.get_by_role("button", name="New stream key").click()
    assert host.dialogs == [
        "Make a new stream key? The old key stops working at once; OBS must be updated."
    ]
    expect(card.get_by_label("Your new stream key", exact=True)).to_have_value(key)

    # with a key and no video, "Go live" asks first; "Cancel" leaves the show scheduled
    host.get_by_role("button", name="Go live").click()
    assert host.dialogs[-1] == "No video is arriving yet. Go live anyway?"
    expect(host.locator("#status")).to_have_text("Scheduled")

    ffmpeg = publish(demo.ingest, key)
    try:
        expect(card.locator("#stream-pill")).to_have_text("Receiving", timeout=20_000)
        host.wait_for_function(PREVIEW_PAST, arg=0.5, timeout=30_000)
        expect(card.locator("#health-resolution")).to_have_text("640×360")
        expect(card.locator("#health-bitrate")).to_have_text(re.compile(" kbps$"), timeout=20_000)
        assert host.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert host.evaluate(UNNAMED_CONTROLS) == []
        assert serious_violations(host) == []
        card.scroll_into_view_if_needed()
        screenshot(host, "console-broadcast-phone")

        # with video arriving, "Go live" goes live at once
        asked = len(host.dialogs)
        host.get_by_role("button", name="Go live").click()
        expect(host.locator("#status")).to_have_text("Live")
        assert len(host.dialogs) == asked
        assert StreamKey.objects.get(event=demo.scheduled).key_hint == key[-4:]
    finally:
        ffmpeg.kill()
