"""The video stays in view and under the viewer's control while they buy (issue 9)."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import IPHONE
from tests.e2e.test_checkout import (
    demo,  # noqa: F401 (fixture)
    fill_shipping,
    played,
    wait_for_more_play,
    watch_video,
)
from tests.e2e.test_live_show import open_show

pytestmark = pytest.mark.browser

# The share of the video's picture the viewer can see: points of its box inside the viewport
# whose topmost element belongs to the player (its own controls and badges included), over all.
VISIBLE_SHARE = """() => {
    const video = document.getElementById("video");
    const box = video.getBoundingClientRect();
    let seen = 0, all = 0;
    for (let i = 0.5; i < 20; i++) {
        for (let j = 0.5; j < 20; j++) {
            const x = box.left + box.width * i / 20, y = box.top + box.height * j / 20;
            all++;
            if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
            if (document.elementFromPoint(x, y)?.closest(".player")) seen++;
        }
    }
    return seen / all;
}"""


def video_share(page: Page) -> float:
    page.wait_for_timeout(300)  # the drawer's slide has ended
    return page.evaluate(VISIBLE_SHARE)


def test_on_an_iphone_the_video_stays_in_view_and_plays_through_every_step_of_buying(
    demo,  # noqa: F811
    new_page,
    screenshot,
):
    viewer = open_show(new_page, demo, **IPHONE)
    start = watch_video(viewer)
    assert video_share(viewer) > 0.99

    viewer.get_by_role("button", name="Buy Noise-Cancelling Headphones").tap()
    expect(viewer.get_by_label("Option", exact=True)).to_be_visible()
    shares = {"options": video_share(viewer)}
    screenshot(viewer, "phone-buying-video-in-view")
    viewer.get_by_role("button", name="Add to cart").tap()
    expect(viewer.locator("#buy-cart-lines > li")).to_have_count(1)
    shares["cart"] = video_share(viewer)
    viewer.get_by_role("button", name="Checkout").tap()
    fill_shipping(viewer)
    shares["shipping"] = video_share(viewer)
    viewer.get_by_role("button", name="Continue to payment").tap()
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_visible()
    shares["payment"] = video_share(viewer)

    assert all(share >= 0.6 for share in shares.values()), shares
    wait_for_more_play(viewer, start)
    assert played(viewer) > start
    # and the drawer under the video is whole: its buttons are on screen
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_in_viewport(ratio=1)

    viewer.get_by_role("button", name="Close products and chat").tap()
    assert video_share(viewer) > 0.99


def test_the_viewer_pauses_mutes_sets_the_volume_and_goes_full_screen_with_the_keyboard(
    demo,  # noqa: F811
    new_page,
):
    viewer = open_show(new_page, demo)
    watch_video(viewer)
    video = viewer.locator("#video")

    pause = viewer.get_by_role("button", name="Pause")
    pause.focus()
    viewer.keyboard.press("Enter")
    expect(viewer.get_by_role("button", name="Play")).to_be_focused()
    assert video.evaluate("v => v.paused") is True
    # the show's next update does not start it again behind the viewer's back
    viewer.evaluate("window.liveshop.connection.onState(window.liveshop.state)")
    viewer.wait_for_timeout(500)
    assert video.evaluate("v => v.paused") is True
    viewer.keyboard.press("Space")
    viewer.wait_for_function("() => !document.getElementById('video').paused")

    viewer.keyboard.press("Tab")
    expect(viewer.get_by_role("button", name="Unmute")).to_be_focused()
    viewer.keyboard.press("Enter")
    expect(viewer.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "true")
    assert video.evaluate("v => v.muted") is False
    viewer.keyboard.press("Tab")
    expect(viewer.get_by_role("slider", name="Volume")).to_be_focused()
    viewer.keyboard.press("ArrowLeft")
    viewer.keyboard.press("ArrowLeft")
    assert video.evaluate("v => v.volume") == pytest.approx(0.9)

    # captions: none in the demo stream, so no button; a stream's caption track brings it
    captions = viewer.get_by_role("button", name="Captions")
    expect(captions).to_be_hidden()
    viewer.evaluate("document.getElementById('video').addTextTrack('captions', 'English', 'en')")
    expect(captions).to_be_visible()
    captions.click()
    expect(captions).to_have_attribute("aria-pressed", "true")
    assert video.evaluate("v => v.textTracks[0].mode") == "showing"

    fullscreen = viewer.get_by_role("button", name="Full screen")
    fullscreen.focus()
    viewer.keyboard.press("Enter")
    viewer.wait_for_function("() => document.fullscreenElement?.classList.contains('player')")
    expect(viewer.get_by_role("button", name="Exit full screen")).to_be_visible()
    # the banner and its Buy button come along into full screen
    expect(viewer.locator("#banner-buy")).to_be_visible()
    expect(viewer.get_by_role("button", name="Exit full screen")).to_be_focused()
    viewer.keyboard.press("Enter")
    viewer.wait_for_function("() => !document.fullscreenElement")
