"""The Shopping Manager's Get started page (liveshop/get_started.py): a merchant's first steps with
their live state, only ever the merchant's own, for its staff only."""

import re
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from catalog.models import Membership, Product
from events.models import LiveEvent

GET_STARTED = reverse("admin:get_started")
Status = LiveEvent.Status


def make_show(merchant, slug: str, *, status=Status.SCHEDULED, days: int = 2) -> LiveEvent:
    return LiveEvent.objects.create(
        merchant=merchant,
        title=slug.replace("-", " ").title(),
        slug=slug,
        host_name="Ada",
        scheduled_start=timezone.now() + timedelta(days=days),
        stream_url="https://stream.example/live/index.m3u8",
        status=status,
    )


def steps(page: str) -> dict[str, dict]:
    """Each step of the page by title: done or not, its text, and its links (label, URL)."""
    found = {}
    for item in re.findall(r'<li class="get-started-step.*?</li>', page, flags=re.S):
        title = re.search(r"<h2>(.*?) <span", item).group(1)
        found[title] = {
            "done": '<span class="get-started-state">Done</span>' in item,
            "text": re.search(r"</h2>\s*<p>(.*?)</p>", item, flags=re.S).group(1),
            "links": [
                (label, url) for url, label in re.findall(r'href="([^"]+)">([^<]+)</a>', item)
            ],
        }
    return found


def page_of(client, user) -> str:
    client.force_login(user)
    response = client.get(GET_STARTED)
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_owner_sees_every_step_to_do_with_where_to_start(client, make_staff, merchant_a):
    page = page_of(client, make_staff(merchant_a, Membership.Role.OWNER))

    assert "Welcome to the Shopping Manager of <strong>Merchant A</strong>" in page
    found = steps(page)
    assert [title for title, step in found.items() if step["done"]] == []
    assert found["Add your products"]["links"] == [
        ("Add a product", reverse("admin:catalog_product_add")),
        ("Import a CSV", reverse("admin:catalog_product_import_csv")),
    ]
    assert found["Schedule a show"]["links"] == [
        ("Schedule a show", reverse("admin:events_liveevent_add"))
    ]
    # no show yet, so no console to open
    assert found["Go live from the console"]["links"] == []
    assert "Once a show is scheduled" in found["Go live from the console"]["text"]
    assert f"0 of {len(found)} done" in page


def test_each_step_is_ticked_once_done(client, make_staff, merchant_a, make_product):
    owner = make_staff(merchant_a, Membership.Role.OWNER)
    # a product, still a draft
    make_product(merchant_a, "Wool Beanie", status=Product.Status.DRAFT)
    found = steps(page_of(client, owner))
    assert found["Add your products"]["done"]
    assert found["Add your products"]["text"] == "1 product, none on sale yet: set one to Active."
    assert not found["Schedule a show"]["done"]

    # a scheduled show: its console is where to go live
    make_product(merchant_a, "Silk Scarf")
    show = make_show(merchant_a, "spring-drop")
    found = steps(page_of(client, owner))
    assert found["Add your products"]["text"] == "2 products, 1 on sale."
    assert found["Schedule a show"]["done"]
    assert found["Schedule a show"]["text"].startswith("Next: Spring Drop, ")
    assert not found["Go live from the console"]["done"]
    assert found["Go live from the console"]["links"] == [
        ("Open the console", reverse("events:console", args=[show.slug]))
    ]

    # the show went live
    LiveEvent.objects.filter(pk=show.pk).update(status=Status.LIVE)
    found = steps(page_of(client, owner))
    assert found["Go live from the console"]["done"]
    assert found["Go live from the console"]["text"] == "Spring Drop is live now."


def test_the_console_link_goes_to_the_next_show(client, make_staff, merchant_a):
    make_show(merchant_a, "past-show", status=Status.ENDED, days=-7)
    make_show(merchant_a, "called-off", status=Status.CANCELLED, days=1)
    make_show(merchant_a, "later-show", days=9)
    soon = make_show(merchant_a, "soon-show", days=3)

    found = steps(page_of(client, make_staff(merchant_a, Membership.Role.OWNER)))

    assert found["Go live from the console"]["done"]  # a show already went live
    assert found["Go live from the console"]["links"] == [
        ("Open the console", reverse("events:console", args=[soon.slug]))
    ]


def test_a_merchant_sees_only_its_own_progress(
    client, make_staff, merchant_a, merchant_b, make_product
):
    # merchant B has products and a live show; merchant A has nothing yet
    make_product(merchant_b, "Other Brand Kettle")
    other_show = make_show(merchant_b, "other-brand-live", status=Status.LIVE)

    page = page_of(client, make_staff(merchant_a, Membership.Role.OWNER))

    found = steps(page)
    assert not any(step["done"] for step in found.values())
    assert other_show.slug not in page and "Other Brand" not in page
    assert "Merchant B" not in page


def test_links_follow_the_role(client, make_staff, merchant_a):
    show = make_show(merchant_a, "spring-drop")
    console = ("Open the console", reverse("events:console", args=[show.slug]))
    add_show = ("Schedule a show", reverse("admin:events_liveevent_add"))

    # a host runs shows but may not change the catalog
    found = steps(page_of(client, make_staff(merchant_a, Membership.Role.HOST)))
    assert found["Add your products"]["links"] == []
    assert found["Schedule a show"]["links"] == [add_show]
    assert found["Go live from the console"]["links"] == [console]

    # a catalog manager adds products; the shows are the hosts'
    client.logout()
    found = steps(page_of(client, make_staff(merchant_a, Membership.Role.CATALOG_MANAGER)))
    assert [label for label, _ in found["Add your products"]["links"]] == [
        "Add a product",
        "Import a CSV",
    ]
    assert found["Schedule a show"]["links"] == []
    assert found["Go live from the console"]["links"] == []


def test_only_staff_open_it(client, db):
    # signed out: to the Shopping Manager's sign-in, coming back here afterwards
    response = client.get(GET_STARTED)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={GET_STARTED}"

    # a viewer's account is not staff
    client.force_login(get_user_model().objects.create_user("viewer", "v@example.com", "pw"))
    response = client.get(GET_STARTED)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_platform_staff_have_no_merchant_steps(client, platform_staff, merchant_a, make_product):
    make_product(merchant_a)

    page = page_of(client, platform_staff)

    assert "this account does not work for a merchant" in page
    assert steps(page) == {}


def test_the_shopping_managers_home_links_to_get_started(client, make_staff, merchant_a):
    client.force_login(make_staff(merchant_a, Membership.Role.OWNER))
    home = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{GET_STARTED}"><strong>Get started</strong>' in home


def test_shipping_is_ticked_once_the_merchant_set_it(client, make_staff, merchant_a, merchant_b):
    settings_model = apps.get_model("checkout", "CheckoutSettings")
    owner = make_staff(merchant_a, Membership.Role.OWNER)
    settings_model.objects.create(merchant=merchant_b)  # another merchant's do not count

    found = steps(page_of(client, owner))
    assert not found["Set shipping and tax"]["done"]
    assert found["Set shipping and tax"]["links"] == [
        ("Set shipping and tax", reverse("admin:checkout_checkoutsettings_add"))
    ]

    mine = settings_model.objects.create(merchant=merchant_a)
    found = steps(page_of(client, owner))
    assert found["Set shipping and tax"]["done"]
    assert found["Set shipping and tax"]["links"] == [
        ("Set shipping and tax", reverse("admin:checkout_checkoutsettings_change", args=[mine.pk]))
    ]
