"""events/protocol.py: the realtime protocol described once. Every frame a test's websocket is sent
is checked against it (tests/conftest.py, tests/servers.py); here, that the checks catch what they
should, that the host's commands and the errors are the ones described, and that docs/realtime.md
says what the module says."""

import pytest
from channels.db import database_sync_to_async

from events import commands, errors, protocol, protocol_doc, services
from tests.events.conftest import receive_type

PRODUCT = {
    "id": 1,
    "title": "Robot Vacuum",
    "url": "/shop/waltmart/robot-vacuum/",
    "image": None,
    "price": 24900,
    "currency": "USD",
    "price_display": "$249.00",
    "deal": False,
    "regular_price_display": None,
    "stock": {"state": "low", "left": 3},
}


def test_a_change_as_the_services_send_it_matches():
    message = {"type": "featured", "seq": 4, "at": 1764370800000, "product": PRODUCT}
    assert protocol.problems(message) == []
    assert protocol.problems({**message, "product": None}) == []


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ({"type": "teleport", "seq": 1}, "a type the protocol does not describe: 'teleport'"),
        ({"seq": 1}, "a type the protocol does not describe: None"),
        ({"type": "featured", "at": 1, "product": None}, "featured lacks 'seq'"),
        (
            {"type": "banner", "seq": 1, "at": 1, "text": "Hi", "colour": "red"},
            "banner has a field the protocol does not describe: 'colour'",
        ),
        ({"type": "banner", "seq": "1", "at": 1, "text": "Hi"}, "banner.seq is str, not int"),
        ({"type": "viewers", "count": True}, "viewers.count is a bool, not int"),
        (
            {"type": "stock", "seq": 2, "at": 1, "product_id": 1, "stock": {"state": "few"}},
            "stock.stock.state is 'few', not one of ['in_stock', 'low', 'sold_out']",
        ),
        (
            {"type": "featured", "seq": 2, "at": 1, "product": {**PRODUCT, "price": 249.0}},
            "featured.product.price is float, not int",
        ),
        (
            {"type": "chat_deleted", "seq": 2, "at": 1, "ids": [1, "2"]},
            "chat_deleted.ids[1] is str, not int",
        ),
        (
            {"type": "error", "code": "oops", "message": "No", "ref": None},
            "error.code is 'oops'",
        ),
    ],
)
def test_a_message_the_protocol_does_not_describe_is_a_violation(message, problem):
    found = protocol.problems(message)
    assert any(problem in p for p in found), found


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_frame_sent_off_the_protocol_is_recorded_for_the_test_to_fail_on(
    connect, live_event, host, monkeypatch
):
    # given a service that publishes a change with a field the protocol does not know
    def banner_with_colour(*, event, text, by):
        from events.guards import locked_for_host
        from events.live_state import publish_change

        with services.transaction.atomic():
            locked = locked_for_host(event, by)
            return publish_change(locked, {"type": "banner", "text": text, "colour": "red"})

    monkeypatch.setitem(commands.HOST_COMMANDS, "banner", (banner_with_colour, {"text": "text"}))
    viewer = await connect()
    console = await connect(user=host, query="console=1")

    # when the host sends it
    await console.send_json_to({"type": "banner", "text": "Doorbusters", "ref": 1})
    await receive_type(console, "ok")
    await receive_type(viewer, "banner")

    # then the checks recorded it (and the test would fail on it at teardown)
    found, protocol.violations[:] = list(protocol.violations), []
    assert len(found) == 1 and "'colour'" in found[0]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_every_kind_of_frame_a_connection_gets_is_checked(connect, live_event, monkeypatch):
    checked = []
    monkeypatch.setattr(protocol, "check_sent", lambda text: checked.append(text))
    viewer = await connect()
    await viewer.send_json_to({"type": "ping", "ref": 9})
    await receive_type(viewer, "pong")
    await viewer.send_to(text_data="not json")
    await receive_type(viewer, "error")
    await database_sync_to_async(services.event_viewers_set)(event_id=live_event.pk, count=3)
    await receive_type(viewer, "viewers")

    kinds = [text.split('"type":"', 1)[1].split('"', 1)[0] for text in checked]
    assert kinds == ["state", "pong", "error", "viewers"]


def test_the_host_commands_take_the_fields_the_protocol_lists():
    described = {
        name: {f.name for f in command.fields}
        for name, command in protocol.CLIENT_MESSAGES.items()
        if command.host
    }
    dispatched = {
        name: set(arguments.values()) for name, (_, arguments) in commands.HOST_COMMANDS.items()
    }
    assert dispatched == described


def test_every_error_a_service_raises_has_a_described_code():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {errors.EventError.code} | {cls.code for cls in subclasses(errors.EventError)}
    assert codes <= protocol.ERROR_CODES.keys()


def test_docs_realtime_md_says_what_the_protocol_module_says():
    document = protocol_doc.DOCUMENT.read_text()
    assert protocol_doc.marked(document) == protocol_doc.sections().keys()
    assert protocol_doc.rendered(document) == document, (
        "docs/realtime.md differs from events/protocol.py: run `python manage.py protocol_doc "
        "--write`"
    )
