"""One entry for the host's commands, from the websocket and the console's HTTP endpoints alike.

A command is a message `{"type": <name>, ...fields}` (docs/realtime.md, "Client → server"): the
table names the service each runs and the fields it takes. The service checks, from the database,
that the sender is one of the brand's hosts (events/guards.py), so both paths refuse the same
people with the same words.
"""

from django.contrib.auth.base_user import AbstractBaseUser

from events import chat, services
from events.errors import EventError, InvalidInput
from events.models import LiveEvent

# command name -> (service, {service argument: message field})
HOST_COMMANDS = {
    "feature": (services.event_feature_product, {"product_id": "product_id"}),
    "banner": (services.event_set_banner, {"text": "text"}),
    "announcement": (services.event_set_announcement, {"text": "text"}),
    "status": (services.event_transition, {"to": "status"}),
    "slow_mode": (services.event_set_slow_mode, {"seconds": "seconds"}),
    "chat_delete": (chat.chat_delete, {"message_id": "message_id"}),
    "chat_restrict": (chat.chat_restrict, {"message_id": "message_id", "kind": "kind"}),
    "chat_unrestrict": (chat.chat_unrestrict, {"restriction_id": "restriction_id"}),
}


class UnknownCommand(EventError):
    code = "unknown_type"


def host_command_run(*, event: LiveEvent, name: str, message: dict, by: AbstractBaseUser):
    """Run the host's command `name` with the fields of `message`; returns what the service does
    (the numbered change it published, or None). Raises UnknownCommand, NotAllowed, and the
    service's other EventErrors; a field of the wrong type is InvalidInput."""
    if name not in HOST_COMMANDS:
        raise UnknownCommand(f"Unknown command {name[:40]!r}.")
    service, arguments = HOST_COMMANDS[name]
    fields = {argument: message.get(field) for argument, field in arguments.items()}
    try:
        return service(event=event, by=by, **fields)
    except (TypeError, ValueError):
        # A value of a type the service's queries cannot use (a list for a status, text for an id).
        raise InvalidInput("A field has the wrong type.") from None
