"""The JSON object a request's body carries: the one parser of the site's JSON endpoints (the host
console's commands, buying)."""

import json

from django.http import HttpRequest


class BodyNotAnObject(ValueError):
    """The body is not a JSON object; `message` is for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def json_object(request: HttpRequest) -> dict:
    """The body as a dict (an empty body is {}). Raises BodyNotAnObject."""
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:  # not JSON, or not UTF-8
        raise BodyNotAnObject("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BodyNotAnObject("The request body must be a JSON object.")
    return payload
