import pytest
from tests.e2e.test_live_show import demo, open_show, IPHONE  # noqa

pytestmark = pytest.mark.browser


def test_debug(demo, new_page):
    page = open_show(new_page, demo, **IPHONE)
    print(
        page.evaluate(
            """() => [document.documentElement.scrollWidth, window.innerWidth, ...[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right))]"""
        )
    )
    page.screenshot(path="/tmp/e2e_scratch/phone2.png", full_page=True)
