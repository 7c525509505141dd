"""JSON from outside, parsed one way: a request's body (the host console's commands, buying) and a
websocket frame (events/consumers.py).

Beyond what `json.loads` refuses, a value nested too deeply to parse, holding text that is not
Unicode (a lone surrogate such as "\\ud800", which JSON's escapes allow but UTF-8 cannot carry and
PostgreSQL cannot store), or holding a number JSON does not have (`NaN`, `Infinity`, `1e999`: Python
reads them, a browser's JSON.parse does not) is refused too: nothing that fails later, when it is
stored or sent back.
"""

import json
import math

from django.http import HttpRequest


class BodyNotAnObject(ValueError):
    """The body is not a JSON object; `message` is for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large")
    return number


def json_parse(data: str | bytes):
    """The JSON value of `data`. Raises ValueError: not JSON, not UTF-8, nested too deeply, or
    holding text that is not Unicode or a number that is not finite."""
    try:
        value = json.loads(data, parse_constant=_not_json, parse_float=_finite)
        # What was parsed can be written back as UTF-8 (a lone surrogate cannot).
        json.dumps(value, ensure_ascii=False).encode()
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeError as error:  # a subclass of ValueError, named for what it is
        raise ValueError("text that is not Unicode") from error
    return value


def json_object(request: HttpRequest) -> dict:
    """The body as a dict (an empty body is {}). Raises BodyNotAnObject."""
    try:
        payload = json_parse(request.body or b"{}")
    except ValueError:
        raise BodyNotAnObject("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BodyNotAnObject("The request body must be a JSON object.")
    return payload
