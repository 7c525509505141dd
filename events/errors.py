"""Why a request about a live show was refused: `message` is for a person, `code` for a program
(the websocket's `error` messages and the console's JSON errors carry both)."""


class EventError(Exception):
    """A refused request; `message` is for a person, `code` for a program."""

    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(EventError):
    code = "forbidden"


class InvalidTransition(EventError):
    code = "invalid_transition"


class NotInRunOfShow(EventError):
    code = "not_in_run_of_show"


class InvalidInput(EventError):
    code = "invalid"


class ChatRefused(EventError):
    code = "chat_refused"
