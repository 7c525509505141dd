"""A live show in Chromium: the host's console and the viewers' event page, on a real daphne
server (HTTP and the show's websocket), with the demo shows of Waltmart."""

import re
import time
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from catalog.demo import seed_waltmart
from catalog.models import Product, Variant
from catalog.templatetags.catalog_tags import money
from events.demo import seed_shows
from events.models import ChatMessage, LiveEvent
from tests.e2e.conftest import DESKTOP, IPHONE, PHONE, sign_in

pytestmark = pytest.mark.browser

LIVE = "cyber-week-live"
SCHEDULED = "holiday-home-preview"
PIXEL = {"viewport": {"width": 412, "height": 915}, "is_mobile": True, "has_touch": True}

# The demo clip is 24 s long and loops; a check of "currentTime keeps growing" must not straddle
# the jump back to 0, so it starts once the clip has this many seconds left to play.
HEADROOM_SECONDS = 10

VIDEO_STATE = """() => {
    const video = document.getElementById("video");
    return {time: video.currentTime, paused: video.paused, duration: video.duration};
}"""

# From now on, record every time the video reports while the page lives, and every event that
# would mean it stopped or started over; plus a marker a reload would lose.
WATCH_VIDEO = """() => {
    const video = document.getElementById("video");
    window.sameDocument = true;
    window.videoTimes = [];
    window.videoStops = [];
    video.addEventListener("timeupdate", () => window.videoTimes.push(video.currentTime));
    for (const type of ["pause", "ended", "emptied", "abort", "loadstart", "error"]) {
        video.addEventListener(type, () => window.videoStops.push(type));
    }
}"""

# When the banner's title becomes `title`, note where the video was at that moment.
NOTE_TIME_WHEN_FEATURED = """title => {
    const video = document.getElementById("video");
    const banner = document.getElementById("banner-title");
    new MutationObserver((_, observer) => {
        if (banner.textContent === title) {
            window.featuredAt = video.currentTime;
            observer.disconnect();
        }
    }).observe(banner, {childList: true, characterData: true, subtree: true});
}"""

# Every button, link and form control that has no accessible name (aria-label, aria-labelledby,
# a <label>, its text or an image's alt text), as the start of its HTML.
UNNAMED_CONTROLS = """() => {
    const text = (element) => (element?.textContent || "").trim();
    const name = (el) => {
        const label = (el.getAttribute("aria-label") || "").trim();
        if (label) return label;
        const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
        const labelledBy = ids.map((id) => text(document.getElementById(id))).join(" ").trim();
        if (labelledBy) return labelledBy;
        if (el.labels && el.labels.length) return [...el.labels].map(text).join(" ").trim();
        if (el.matches("input, select, textarea")) return "";
        const alt = [...el.querySelectorAll("img[alt]")].map((img) => img.alt).join(" ");
        return (text(el) || alt).trim();
    };
    return [...document.querySelectorAll("a, button, input:not([type=hidden]), select, textarea")]
        .filter((el) => !name(el))
        .map((el) => el.outerHTML.slice(0, 160));
}"""


@pytest.fixture
def demo(asgi_server):
    """The Waltmart demo: its catalog, the live show and the scheduled one, on `asgi_server`."""
    seeded = seed_waltmart()
    live, scheduled = seed_shows(seeded["merchant"])
    return SimpleNamespace(
        server=asgi_server,
        merchant=seeded["merchant"],
        owner=seeded["owner"],
        viewer=seeded["viewer"],
        live=live,
        scheduled=scheduled,
    )


def open_show(new_page, demo, slug: str = LIVE, *, user=None, **context) -> Page:
    """The event page in a new browser context (a guest unless `user`), connected to the show."""
    page = new_page(**({"viewport": DESKTOP} | context))
    if user is not None:
        sign_in(page.context, demo.server, user)
    response = page.goto(f"{demo.server.http}/events/{slug}/")
    assert response.status == 200
    wait_until_connected(page)
    return page


def open_console(new_page, demo, **context) -> Page:
    """The host console of the live show, signed in as Waltmart's owner."""
    page = new_page(**({"viewport": DESKTOP} | context))
    sign_in(page.context, demo.server, demo.owner)
    response = page.goto(f"{demo.server.http}/events/{LIVE}/console/")
    assert response.status == 200
    wait_until_connected(page)
    page.on("dialog", lambda dialog: dialog.accept())  # "End the show for every viewer?"
    return page


def wait_until_connected(page: Page) -> None:
    """The page's websocket is open and has received the show's state."""
    page.wait_for_function(
        "() => window.liveshop?.connection.seq != null"
        " && window.liveshop.connection.socket.readyState === WebSocket.OPEN"
    )


def expect_watching(page: Page) -> None:
    """The page counts at least one viewer (counts arrive every half second)."""
    expect(page.locator("#viewer-count")).to_have_text(re.compile(r"^[1-9]\d*$"))


def video(page: Page) -> dict:
    return page.evaluate(VIDEO_STATE)


def wait_until_playing(page: Page) -> float:
    """Wait until the video plays with room left before the clip loops; return its currentTime."""
    page.wait_for_function(
        """headroom => {
            const video = document.getElementById("video");
            return !video.paused && video.currentTime > 0.5
                && video.currentTime < video.duration - headroom;
        }""",
        arg=HEADROOM_SECONDS,
        timeout=40_000,  # up to one more turn of the 24 s clip
    )
    return video(page)["time"]


def wait_for_progress(page: Page, since: float) -> float:
    """Wait until the video is past `since`; return its currentTime."""
    page.wait_for_function(
        "since => document.getElementById('video').currentTime > since", arg=since
    )
    return video(page)["time"]


def assert_video_played_through(page: Page) -> None:
    """Since WATCH_VIDEO: same document, time only went forward, the video never stopped."""
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    page.wait_for_function("() => window.videoTimes.length >= 3")  # timeupdate: a few per second
    times = page.evaluate("window.videoTimes")
    assert all(a < b for a, b in pairwise(times)), times
    assert page.evaluate("window.videoStops") == []
    assert video(page)["paused"] is False


def run_of_show(event: LiveEvent) -> list[tuple[str, str]]:
    """(title, lowest price) of each product of the show, in order, from the database."""
    rows = []
    for entry in event.run_of_show.select_related("product").order_by("position"):
        price, currency = min(entry.product.variants.values_list("price", "currency"))
        rows.append((entry.product.title, money(price, currency)))
    return rows


def listed_products(page: Page) -> list[tuple[str, str]]:
    """(title, price) of each product in the page's purchase tab, top to bottom."""
    items = page.locator("#show-products > li")
    return [
        (
            item.locator(".title").inner_text(),
            item.locator(".price").evaluate("price => price.firstChild.textContent.trim()"),
        )
        for item in items.all()
    ]


def test_viewer_on_a_phone_sees_the_product_the_host_features_while_the_video_plays(
    demo, new_page, screenshot
):
    # given the robot vacuum, 4 left, is in the run of show but not the featured product
    vacuum = Product.objects.get(merchant=demo.merchant, slug="robot-vacuum")
    Variant.objects.filter(product=vacuum).update(stock_on_hand=4)
    host = open_console(new_page, demo)
    feature = host.get_by_role("button", name="Feature Robot Vacuum", exact=True)
    expect(feature).to_be_enabled()
    # and a viewer watching on an iPhone
    viewer = open_show(new_page, demo, **IPHONE)
    banner = viewer.locator("#purchase-banner")
    expect(banner.locator("#banner-title")).to_have_text("Noise-Cancelling Headphones")
    before = wait_until_playing(viewer)
    viewer.evaluate(WATCH_VIDEO)
    viewer.evaluate(NOTE_TIME_WHEN_FEATURED, "Robot Vacuum")

    # when the host clicks "Feature" on the robot vacuum
    clicked = time.monotonic()
    feature.click()

    # then within 2 seconds, without reloading, the viewer's banner shows it with price and stock
    expect(banner.locator("#banner-title")).to_have_text("Robot Vacuum", timeout=2_000)
    assert time.monotonic() - clicked < 2.0
    expect(banner).to_be_visible()
    expect(banner.locator("#banner-price")).to_have_text("$249.00")
    expect(banner.locator("#banner-stock")).to_have_text("Only 4 left")
    expect(banner.get_by_role("button", name="Buy Robot Vacuum")).to_be_enabled()
    # and the video kept playing before, during and after the change
    during = viewer.evaluate("window.featuredAt")
    after = wait_for_progress(viewer, during)
    assert before < during < after
    assert_video_played_through(viewer)
    # and the console shows the new featured product
    expect(host.get_by_role("button", name="Featured Robot Vacuum", exact=True)).to_be_disabled()
    expect(host.get_by_role("button", name="Feature Noise-Cancelling Headphones")).to_be_enabled()
    assert LiveEvent.objects.get(slug=LIVE).featured_product == vacuum
    expect_watching(viewer)
    screenshot(viewer, "event-phone")


def test_desktop_viewer_browses_products_and_chat_without_stopping_the_video(demo, new_page):
    page = open_show(new_page, demo)
    products_tab = page.get_by_role("tab", name="Products")
    chat_tab = page.get_by_role("tab", name="Chat")

    # the purchase tab lists every product of the run of show with its price, beside the video
    expect(products_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#show-products > li")).to_have_count(8)
    assert listed_products(page) == run_of_show(demo.live)
    robot_vacuum = page.locator("#show-products > li").filter(has_text="Robot Vacuum")
    expect(robot_vacuum).to_contain_text("$249.00")
    expect(robot_vacuum.get_by_role("button", name="Buy Robot Vacuum")).to_be_visible()
    side, player = page.locator("#side").bounding_box(), page.locator("#video").bounding_box()
    assert side["x"] >= player["x"] + player["width"]  # side by side, not under it

    # switching to the chat and back does not stop or restart the video
    start = wait_until_playing(page)
    page.evaluate(WATCH_VIDEO)
    chat_tab.click()
    expect(chat_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Chat")).to_be_visible()
    expect(page.locator("#panel-products")).to_be_hidden()
    # guests read only (the header has a "Sign in" link of its own)
    expect(page.locator("#panel-chat").get_by_role("link", name="Sign in")).to_be_visible()
    middle = wait_for_progress(page, start)
    products_tab.click()
    expect(page.get_by_role("tabpanel", name="Products")).to_be_visible()
    expect(page.locator("#panel-chat")).to_be_hidden()
    wait_for_progress(page, middle)
    assert_video_played_through(page)

    # keyboard: Tab reaches the selected tab, the arrow keys move between the tabs
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "tab-products":
            break
    expect(products_tab).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(chat_tab).to_be_focused()
    expect(chat_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-chat")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(products_tab).to_be_focused()
    expect(products_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-products")).to_be_visible()
    # only the selected tab is a Tab stop
    expect(chat_tab).to_have_attribute("tabindex", "-1")
    assert_video_played_through(page)


def test_phone_viewer_opens_the_shop_drawer_over_the_playing_video(demo, new_page, screenshot):
    page = open_show(new_page, demo, **IPHONE)
    drawer = page.locator("#side")
    shop = page.get_by_role("button", name=re.compile(r"^Shop"))
    expect(shop).to_have_text("Shop 8")
    # closed, the drawer is out of view and out of reach
    expect(drawer).not_to_be_in_viewport()
    expect(page.get_by_role("tab", name="Products")).to_be_hidden()
    start = wait_until_playing(page)
    page.evaluate(WATCH_VIDEO)

    # when the viewer taps "Shop"
    shop.tap()

    # then the drawer opens on the products, the focus in it, while the video keeps playing
    expect(drawer).to_have_class(re.compile(r"\bopen\b"))
    expect(drawer).to_be_visible()
    expect(drawer).to_be_in_viewport(ratio=0.99)
    expect(shop).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("tab", name="Products")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#show-products > li")).to_have_count(8)
    expect(page.get_by_role("button", name="Close products and chat")).to_be_focused()
    wait_for_progress(page, start)
    assert_video_played_through(page)
    expect_watching(page)
    screenshot(page, "event-phone-drawer")

    # Escape closes it and gives the focus back to "Shop"
    page.keyboard.press("Escape")
    expect(drawer).not_to_have_class(re.compile(r"\bopen\b"))
    expect(drawer).not_to_be_in_viewport()
    expect(shop).to_be_focused()
    expect(shop).to_have_attribute("aria-expanded", "false")

    # the "Chat" button opens the same drawer on the chat
    page.get_by_role("button", name="Chat", exact=True).tap()
    expect(drawer).to_be_in_viewport(ratio=0.99)
    expect(page.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-chat").get_by_role("link", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Close products and chat").tap()
    expect(drawer).not_to_be_in_viewport()
    assert_video_played_through(page)


def test_host_sets_banner_pins_announcement_and_ends_the_show(demo, new_page, screenshot):
    host = open_console(new_page, demo)
    viewer = open_show(new_page, demo)
    expect(viewer.locator("#banner-text")).to_have_text("Cyber Week: deals end when the show does")
    expect(viewer.get_by_role("status")).to_be_hidden()

    # when the host sets the banner text
    host.get_by_label("Banner text").fill("Free shipping for the next 10 minutes")
    host.get_by_role("button", name="Set banner").click()
    # then the viewer's banner says it, above the featured product
    expect(viewer.locator("#banner-text")).to_have_text("Free shipping for the next 10 minutes")
    expect(viewer.locator("#banner-title")).to_have_text("Noise-Cancelling Headphones")

    # when the host pins an announcement
    host.get_by_label("Pinned announcement").fill("Giveaway at 7:30: stay tuned!")
    host.get_by_role("button", name="Pin", exact=True).click()
    # then the viewer sees it under the video
    announcement = viewer.locator("#announcement")
    expect(announcement).to_be_visible()
    expect(announcement).to_have_text("Giveaway at 7:30: stay tuned!")
    expect(announcement).to_have_role("status")
    wait_until_playing(viewer)
    expect_watching(viewer)
    screenshot(viewer, "event-desktop")

    # when the host ends the show (and confirms)
    host.get_by_role("button", name="End show").click()

    # then the viewer sees that it ended, without the live badge, and the video stops
    expect(viewer.get_by_text("This show has ended")).to_be_visible()
    expect(viewer.locator("#live-badge")).to_be_hidden()
    expect(viewer.get_by_role("button", name="Unmute")).to_be_hidden()
    viewer.wait_for_function("() => document.getElementById('video').paused")
    # and the banner, the announcement and the viewer count come down
    expect(viewer.locator("#purchase-banner")).to_be_hidden()
    expect(announcement).to_be_hidden()
    expect(viewer.locator("#viewers")).to_be_hidden()
    expect(host.locator("#status")).to_have_text("Ended")
    expect(host.locator("#viewer-count")).to_have_text("0")
    expect(host.get_by_role("button", name="End show")).to_be_disabled()
    event = LiveEvent.objects.get(slug=LIVE)
    assert event.status == LiveEvent.Status.ENDED
    assert event.banner_text == "Free shipping for the next 10 minutes"
    assert event.announcement == "Giveaway at 7:30: stay tuned!"

    # when the host, who ended it by mistake, resumes it within the minute
    expect(host.locator("#resume-note")).to_contain_text("You can resume the show")
    host.get_by_role("button", name="Resume show").click()

    # then the viewer is back in the live show where it was, without reloading
    expect(viewer.locator("#live-badge")).to_be_visible()
    expect(viewer.get_by_text("This show has ended")).to_be_hidden()
    expect(viewer.locator("#banner-text")).to_have_text("Free shipping for the next 10 minutes")
    expect(viewer.locator("#banner-title")).to_have_text("Noise-Cancelling Headphones")
    expect(announcement).to_have_text("Giveaway at 7:30: stay tuned!")
    expect(host.locator("#status")).to_have_text("Live")
    expect(host.get_by_role("button", name="Resume show")).to_be_hidden()
    wait_until_playing(viewer)


def test_chat_shows_text_as_typed_and_the_host_can_delete_a_message(demo, new_page):
    author = open_show(new_page, demo, user=demo.viewer)
    reader = open_show(new_page, demo, **IPHONE)  # a guest
    host = open_console(new_page, demo)
    reader.get_by_role("button", name="Chat", exact=True).tap()

    # when a signed-in viewer posts a message with HTML in it
    author.get_by_role("tab", name="Chat").click()
    author.get_by_label("Message", exact=True).fill("<b>bold</b> deal?")
    author.get_by_role("button", name="Send").click()
    expect(author.get_by_label("Message", exact=True)).to_have_value("")

    # then every other viewer sees it as the text typed, not as HTML
    message = reader.locator("#chat li").filter(has_text="<b>bold</b> deal?")
    expect(message).to_have_count(1)
    expect(message).to_have_text("viewer <b>bold</b> deal?")
    expect(reader.locator("#chat b")).to_have_count(0)
    expect(author.locator("#chat li").filter(has_text="<b>bold</b> deal?")).to_have_count(1)
    expect(author.locator("#chat b")).to_have_count(0)

    # when the host deletes it from the console
    in_console = host.locator("#chat li").filter(has_text="<b>bold</b> deal?")
    expect(in_console.locator("b")).to_have_count(0)
    in_console.get_by_role("button", name="Delete message from viewer").click()

    # then it disappears for every viewer, and is kept (as deleted) for moderation
    expect(message).to_have_count(0)
    expect(author.locator("#chat li").filter(has_text="<b>bold</b> deal?")).to_have_count(0)
    expect(in_console).to_have_count(0)
    stored = ChatMessage.objects.get(event__slug=LIVE)
    assert stored.body == "<b>bold</b> deal?"
    assert stored.user == demo.viewer
    assert stored.deleted_at is not None


def test_the_host_mutes_a_viewer_sees_it_take_effect_and_unmutes_them(demo, new_page):
    author = open_show(new_page, demo, user=demo.viewer)
    host = open_console(new_page, demo)
    expect(host.locator("#restrictions-empty")).to_have_text("Nobody is muted or banned.")
    author.get_by_role("tab", name="Chat").click()
    author.get_by_label("Message", exact=True).fill("first!!!")
    author.get_by_role("button", name="Send").click()

    # when the host mutes its author from the console
    host.locator("#chat li").filter(has_text="first!!!").get_by_role(
        "button", name="Mute viewer"
    ).click()

    # then the host reads that it took effect, and sees them listed with an Unmute button
    expect(host.locator("#moderation-status")).to_have_text(
        "viewer is muted: they can still watch and read the chat."
    )
    listed = host.locator("#restrictions li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("viewer · Muted")
    expect(host.locator("#restrictions-empty")).to_be_hidden()
    # and the viewer cannot post
    author.get_by_label("Message", exact=True).fill("hello?")
    author.get_by_role("button", name="Send").click()
    expect(author.locator("#chat-error")).not_to_be_empty()

    # when the host unmutes them
    listed.get_by_role("button", name="Unmute viewer").click()

    # then the host reads so, the list is empty, and the viewer can post again
    expect(host.locator("#moderation-status")).to_have_text("viewer can chat again.")
    expect(listed).to_have_count(0)
    author.get_by_label("Message", exact=True).fill("thanks")
    author.get_by_role("button", name="Send").click()
    expect(host.locator("#chat li").filter(has_text="thanks")).to_have_count(1)


def test_scheduled_show_counts_down_in_local_time_with_its_run_of_show(demo, new_page):
    # a viewer in Los Angeles opens the show that starts at 7 PM Eastern in a few days
    page = open_show(new_page, demo, SCHEDULED, timezone_id="America/Los_Angeles", locale="en-US")

    expect(page.get_by_text("Live show starts")).to_be_visible()
    start = page.locator("#start-time")
    expect(start).to_have_text(re.compile(r"\w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2} (AM|PM)"))
    expect(start).to_contain_text("4:00 PM P")  # 7 PM Eastern is 4 PM Pacific (PST or PDT)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^Starts in \d+d \d+h \d+m$"))
    expect(page.locator("#live-badge")).to_be_hidden()
    expect(page.get_by_role("button", name="Unmute")).to_be_hidden()
    expect(page.locator("#show-products > li")).to_have_count(4)
    assert listed_products(page) == run_of_show(demo.scheduled)
    # no video plays before the show: nothing was even loaded
    state = page.evaluate(
        "() => { const v = document.getElementById('video');"
        " return {paused: v.paused, time: v.currentTime, source: v.currentSrc}; }"
    )
    assert state == {"paused": True, "time": 0, "source": ""}


@pytest.mark.parametrize(
    ("context", "user_name"),
    [(IPHONE, "viewer"), (PIXEL, None), ({"viewport": DESKTOP}, "viewer")],
    ids=["390x844", "412x915", "1440x900"],
)
def test_event_page_fits_the_screen_and_labels_every_control(demo, new_page, context, user_name):
    user = get_user_model().objects.get(username=user_name) if user_name else None
    page = open_show(new_page, demo, user=user, **context)
    wait_until_playing(page)
    width = context["viewport"]["width"]

    # nothing is wider than the screen, and every control says what it is
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(UNNAMED_CONTROLS) == []
    # also with the drawer (or the chat tab) open
    if width < 800:
        page.get_by_role("button", name="Chat", exact=True).tap()
        expect(page.locator("#side")).to_be_in_viewport(ratio=0.99)
    else:
        page.get_by_role("tab", name="Chat").click()
    expect(page.locator("#panel-chat")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(UNNAMED_CONTROLS) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_host_console_fits_the_screen_and_labels_every_control(
    demo, new_page, screenshot, viewport
):
    ChatMessage.objects.bulk_create(
        ChatMessage(event=demo.live, user=demo.viewer, author_name="viewer", body=body)
        for body in ["Is the OLED TV wall-mountable?", "Just ordered the earbuds!"]
    )
    host = open_console(new_page, demo, viewport=viewport)
    open_show(new_page, demo, **IPHONE)

    expect(host.locator("#status")).to_have_text("Live")
    expect_watching(host)  # the console itself is not counted
    expect(host.get_by_role("button", name="Go live")).to_be_disabled()
    expect(host.locator("#run-of-show > li")).to_have_count(8)
    expect(host.locator("#chat > li")).to_have_count(2)
    expect(host.get_by_role("button", name="Mute viewer")).to_have_count(2)
    assert host.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert host.evaluate(UNNAMED_CONTROLS) == []
    if viewport == DESKTOP:
        screenshot(host, "console")


# What the page's own client (static/js/live.js) answers a command with, run in the page.
REQUEST_IN_PAGE = """async (body) => {
    const { LiveConnection, websocketUrl } = await import("/static/js/live.js");
    const slug = location.pathname.split("/")[2];
    let connected;
    const ready = new Promise((resolve) => (connected = resolve));
    const connection = new LiveConnection(websocketUrl(`/ws/events/${slug}/`), {
        onState: () => connected(), onMessage: () => {},
    });
    await ready;
    return await connection.request({ type: "chat", body });
}"""


# The same command sent as a raw frame on the page's origin, bypassing the client's own check.
RAW_FRAME_IN_PAGE = """async (body) => {
    const slug = location.pathname.split("/")[2];
    const socket = new WebSocket(`ws://${location.host}/ws/events/${slug}/`);
    const replies = [];
    const answered = new Promise((resolve) => socket.addEventListener("message", (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "state") socket.send(JSON.stringify({ type: "chat", body, ref: 7 }));
        else if (message.ref === 7) resolve(message);
    }));
    return await answered;
}"""


@pytest.mark.parametrize("size", [5_000, 60_000])
def test_a_message_over_the_size_limit_gets_an_answer_never_silence(new_page, demo, size):
    viewer = open_show(new_page, demo, user=demo.viewer)

    # the page's client refuses it at once, in the server's words
    answer = viewer.evaluate(REQUEST_IN_PAGE, "x" * size)
    assert answer == {
        "type": "error",
        "code": "too_large",
        "message": "Messages can be at most 4096 bytes.",
    }
    # and the server answers such a frame from any client, to the command's ref
    answer = viewer.evaluate(RAW_FRAME_IN_PAGE, "x" * size)
    assert (answer["type"], answer["code"], answer["ref"]) == ("error", "too_large", 7)
