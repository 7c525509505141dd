"""The host console over HTTP: only the brand's hosts, CSRF, and clear errors for bad input."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from catalog.models import Membership
from events.models import LiveEvent

Status = LiveEvent.Status


def console_url(event) -> str:
    return reverse("events:console", args=[event.slug])


def action_url(event, action: str) -> str:
    return reverse("events:console_action", args=[event.slug, action])


def post_json(client, event, action, payload, **extra):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(
        action_url(event, action), data=body, content_type="application/json", **extra
    )


def live_state(event: LiveEvent) -> tuple:
    event.refresh_from_db()
    return (
        event.status,
        event.seq,
        event.featured_product_id,
        event.banner_text,
        event.announcement,
        event.chat_slow_mode_seconds,
    )


@pytest.fixture
def people(brand, make_staff, make_merchant, viewer, host):
    return {
        "owner": make_staff(brand, Membership.Role.OWNER),
        "host": host,
        "catalog manager": make_staff(brand, Membership.Role.CATALOG_MANAGER),
        "host of another brand": make_staff(
            make_merchant("rival"), Membership.Role.HOST, "rival-host"
        ),
        "viewer": viewer,
    }


@pytest.fixture
def host_client(client, host):
    client.force_login(host)
    return client


# --- The console page ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "host"])
def test_the_brands_owner_and_hosts_open_the_console(client, live_event, people, who):
    client.force_login(people[who])

    response = client.get(console_url(live_event))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cyber Week Live" in page and "host console" in page
    assert 'id="go-live"' in page and 'id="end-show"' in page


@pytest.mark.parametrize("who", ["catalog manager", "host of another brand", "viewer"])
def test_anyone_else_signed_in_is_forbidden_the_console(client, live_event, people, who):
    client.force_login(people[who])

    response = client.get(console_url(live_event))

    assert response.status_code == 403
    assert "host console" not in response.content.decode()


def test_guests_are_sent_to_sign_in(client, live_event):
    response = client.get(console_url(live_event))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={console_url(live_event)}"


def test_a_deactivated_host_is_sent_to_sign_in(client, live_event, host):
    client.force_login(host)
    get_user_model().objects.filter(pk=host.pk).update(is_active=False)

    response = client.get(console_url(live_event))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_console_of_an_unknown_or_unverified_show_is_not_found(host_client, make_event, brand):
    event = make_event()
    brand.is_verified = False
    brand.save()

    assert host_client.get(console_url(event)).status_code == 404
    assert host_client.get("/events/no-such-show/console/").status_code == 404


# --- Console actions -----------------------------------------------------------------------------


def test_a_host_runs_the_whole_show_from_the_console(host_client, make_event, show_products):
    event = make_event(status=Status.SCHEDULED)
    vacuum = show_products[1]

    steps = [
        ("status", {"status": "live"}),
        ("feature", {"product_id": vacuum.pk}),
        ("banner", {"text": "  Only 10 minutes\nleft "}),
        ("announcement", {"text": "Free shipping tonight"}),
        ("slow_mode", {"seconds": 15}),
    ]
    for n, (action, payload) in enumerate(steps, start=1):
        response = post_json(host_client, event, action, payload)
        assert response.status_code == 200, response.content
        assert response.json() == {"ok": True, "seq": n}

    assert live_state(event) == (
        Status.LIVE,
        5,
        vacuum.pk,
        "Only 10 minutes left",
        "Free shipping tonight",
        15,
    )

    response = post_json(host_client, event, "status", {"status": "ended"})
    assert response.json() == {"ok": True, "seq": 6}
    assert live_state(event)[:2] == (Status.ENDED, 6)


def test_a_console_action_is_broadcast_after_the_commit(
    host_client, live_event, show_products, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(host_client, live_event, "banner", {"text": "Doorbusters"})
        assert published == []

    assert response.status_code == 200
    assert published == [{"type": "banner", "text": "Doorbusters", "seq": 1}]


def test_an_owner_can_also_run_the_show(client, live_event, people):
    client.force_login(people["owner"])

    response = post_json(client, live_event, "banner", {"text": "Hello from the owner"})

    assert response.status_code == 200
    assert live_state(live_event)[3] == "Hello from the owner"


@pytest.mark.parametrize("who", ["catalog manager", "host of another brand", "viewer", "guest"])
def test_anyone_else_is_refused_every_action_and_nothing_changes(
    client, live_event, show_products, people, published, who
):
    if who != "guest":
        client.force_login(people[who])
    before = live_state(live_event)

    for action, payload in [
        ("feature", {"product_id": show_products[0].pk}),
        ("banner", {"text": "hacked"}),
        ("announcement", {"text": "hacked"}),
        ("slow_mode", {"seconds": 600}),
        ("status", {"status": "ended"}),
    ]:
        response = post_json(client, live_event, action, payload)
        assert response.status_code == 403
        assert response.json() == {"error": "Only the brand's hosts can run this show."}

    assert live_state(live_event) == before
    assert published == []


def test_a_host_deactivated_mid_show_is_refused(host_client, live_event, host):
    assert post_json(host_client, live_event, "banner", {"text": "Welcome"}).status_code == 200
    get_user_model().objects.filter(pk=host.pk).update(is_active=False)

    response = post_json(host_client, live_event, "banner", {"text": "Still here?"})

    assert response.status_code in (302, 403)
    live_event.refresh_from_db()
    assert live_event.seq == 1 and live_event.banner_text == "Welcome"


def test_a_host_of_a_brand_that_lost_its_verification_gets_not_found(
    host_client, live_event, brand
):
    brand.is_verified = False
    brand.save()

    response = post_json(host_client, live_event, "banner", {"text": "Still here?"})

    assert response.status_code == 404
    assert live_state(live_event)[3] == ""


def test_actions_need_the_csrf_token(live_event, host):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(host)

    forged = post_json(browser, live_event, "banner", {"text": "from another site"})

    assert forged.status_code == 403
    assert live_state(live_event)[3] == ""

    # the console page hands out the token the page's script sends back in a header
    browser.get(console_url(live_event))
    token = browser.cookies["csrftoken"].value
    genuine = post_json(
        browser, live_event, "banner", {"text": "from the console"}, HTTP_X_CSRFTOKEN=token
    )

    assert genuine.status_code == 200
    assert live_state(live_event)[3] == "from the console"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", "The request body is not valid JSON."),
        ('{"text": "cut off', "The request body is not valid JSON."),
        ("[" * 100_000, "The request body is not valid JSON."),
        ('{"text": "\\udfff"}', "The request body is not valid JSON."),
        ('["banner", "text"]', "The request body must be a JSON object."),
        ('"just a string"', "The request body must be a JSON object."),
        ("42", "The request body must be a JSON object."),
        ("null", "The request body must be a JSON object."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(host_client, live_event, body, error):
    response = post_json(host_client, live_event, "banner", body)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert live_state(live_event)[1] == 0


def test_a_body_that_is_not_utf8_is_refused(host_client, live_event):
    response = host_client.post(
        action_url(live_event, "banner"), data=b"\xff\xfe{", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."


@pytest.mark.parametrize(
    ("action", "payload", "error"),
    [
        ("feature", {"product_id": "abc"}, "Choose a product of the run of show."),
        ("feature", {"product_id": [1]}, "Choose a product of the run of show."),
        ("slow_mode", {"seconds": "ten"}, "Slow mode is a number of seconds from 0 (off) to 600."),
        ("slow_mode", {"seconds": 3600}, "Slow mode is a number of seconds from 0 (off) to 600."),
        ("slow_mode", {}, "Slow mode is a number of seconds from 0 (off) to 600."),
        ("banner", {"text": 5}, "The banner must be text."),
        ("banner", {}, "The banner must be text."),
        ("banner", {"text": "x" * 141}, "The banner can be at most 140 characters."),
        ("announcement", {"text": {"a": 1}}, "The announcement must be text."),
        ("status", {"status": "paused"}, "Unknown status."),
        ("status", {"status": ["live"]}, "A field has the wrong type."),
        ("status", {"status": "scheduled"}, "A live show cannot become scheduled."),
        ("chat_delete", {"message_id": "abc"}, "A field has the wrong type."),
        ("chat_restrict", {"message_id": 1, "kind": "exile"}, "Choose mute, ban, or none."),
    ],
)
def test_fields_of_the_wrong_type_get_a_readable_error(
    host_client, live_event, action, payload, error
):
    before = live_state(live_event)

    response = post_json(host_client, live_event, action, payload)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert live_state(live_event) == before


def test_featuring_a_product_outside_the_run_of_show_is_refused(
    host_client, live_event, brand, make_product
):
    hose = make_product(brand, "Garden Hose")

    response = post_json(host_client, live_event, "feature", {"product_id": hose.pk})

    assert response.status_code == 400
    assert response.json() == {
        "error": "That product is not in this show's run of show.",
        "code": "not_in_run_of_show",
    }
    assert live_state(live_event)[2] is None


def test_an_ended_show_refuses_changes(host_client, make_event, show_products):
    event = make_event(status=Status.ENDED)

    response = post_json(host_client, event, "feature", {"product_id": show_products[0].pk})

    assert response.status_code == 400
    assert response.json() == {"error": "This show has ended.", "code": "invalid_transition"}
    assert live_state(event)[1:3] == (0, None)


def test_an_unknown_action_is_not_found(host_client, live_event):
    response = post_json(host_client, live_event, "self_destruct", {})

    assert response.status_code == 404
    assert response.json() == {"error": "Unknown action."}


def test_actions_only_accept_post(host_client, live_event):
    response = host_client.get(action_url(live_event, "banner"), {"text": "via GET"})

    assert response.status_code == 405
    assert live_state(live_event)[3] == ""


# --- Moderation ----------------------------------------------------------------------------------


def restrictions_url(event) -> str:
    return reverse("events:console_restrictions", args=[event.slug])


def test_the_host_lists_muted_and_banned_viewers_and_lets_them_chat_again(
    host_client, live_event, viewer, make_staff, brand
):
    from events import chat as show_chat
    from events.models import ChatRestriction

    loud = show_chat.chat_post(event=live_event, user=viewer, body="BUY BUY BUY")["message"]
    rude = get_user_model().objects.create_user("rude", "rude@example.com", "pw-rude-123")
    insult = show_chat.chat_post(event=live_event, user=rude, body="...")["message"]
    post_json(host_client, live_event, "chat_restrict", {"message_id": loud["id"], "kind": "mute"})
    post_json(host_client, live_event, "chat_restrict", {"message_id": insult["id"], "kind": "ban"})

    listed = host_client.get(restrictions_url(live_event)).json()["restrictions"]

    assert [(r["name"], r["kind"], r["label"]) for r in listed] == [
        ("rude", "ban", "Banned"),
        ("viewer", "mute", "Muted"),
    ]
    assert all(set(r) == {"id", "name", "kind", "label"} for r in listed)  # no user ids

    # when the host unmutes the viewer, they may post again, and the list says so
    response = post_json(
        host_client, live_event, "chat_unrestrict", {"restriction_id": listed[1]["id"]}
    )
    assert response.status_code == 200
    assert not ChatRestriction.objects.filter(user=viewer).exists()
    show_chat.chat_post(event=live_event, user=viewer, body="sorry")
    assert [
        r["name"] for r in host_client.get(restrictions_url(live_event)).json()["restrictions"]
    ] == ["rude"]

    # and lifting it twice says it is no longer there
    again = post_json(
        host_client, live_event, "chat_unrestrict", {"restriction_id": listed[1]["id"]}
    )
    assert (again.status_code, again.json()["error"]) == (
        400,
        "That viewer is no longer muted or banned.",
    )


@pytest.mark.parametrize("who", ["catalog manager", "host of another brand", "viewer"])
def test_only_the_brands_hosts_see_or_lift_restrictions(client, live_event, people, who):
    from events import chat as show_chat
    from events.models import ChatRestriction

    message = show_chat.chat_post(event=live_event, user=people["viewer"], body="hi")["message"]
    post_json(
        _signed_in(people["host"]),
        live_event,
        "chat_restrict",
        {"message_id": message["id"], "kind": "mute"},
    )
    restriction = ChatRestriction.objects.get()
    client.force_login(people[who])

    assert client.get(restrictions_url(live_event)).status_code == 403
    response = post_json(client, live_event, "chat_unrestrict", {"restriction_id": restriction.pk})
    assert response.status_code == 403
    assert ChatRestriction.objects.filter(pk=restriction.pk).exists()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("restriction_id", ["1", None, True, [1]])
def test_lifting_a_restriction_needs_its_id(host_client, live_event, restriction_id):
    response = post_json(
        host_client, live_event, "chat_unrestrict", {"restriction_id": restriction_id}
    )

    assert (response.status_code, response.json()["error"]) == (
        400,
        "Choose a muted or banned viewer.",
    )
