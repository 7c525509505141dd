import pytest
from catalog.demo import seed_waltmart
from events.demo import seed_shows
from tests.e2e.conftest import IPHONE, DESKTOP, sign_in

pytestmark = pytest.mark.browser

def test_explore(asgi_server, new_page):
    demo = seed_waltmart()
    seed_shows(demo["merchant"])
    page = new_page(viewport=DESKTOP)
    page.goto(f"{asgi_server.http}/events/cyber-week-live/")
    for i in range(7):
        page.wait_for_timeout(5000)
        print(page.evaluate("() => { const v = document.getElementById('video'); return [v.currentTime, v.paused, v.ended, v.readyState, v.loop] }"))
