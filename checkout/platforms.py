"""Which platform a request comes from, decided on the server from the request itself."""

import re

from django.http import HttpRequest

from events.models import Platform

ANDROID = re.compile(r"\bAndroid\b", re.IGNORECASE)
IOS = re.compile(r"\b(iPhone|iPad|iPod)\b|\bCFNetwork/.*\bDarwin/", re.IGNORECASE)


def platform_of(request: HttpRequest) -> str:
    """`android`, `ios` or `desktop`, from the User-Agent and the Sec-CH-UA-Platform client hint.

    Android is checked first: it is the platform that may not buy, so any sign of it wins.
    """
    agent = request.headers.get("User-Agent", "")
    hint = request.headers.get("Sec-CH-UA-Platform", "").strip('"').lower()
    if ANDROID.search(agent) or hint == "android":
        return Platform.ANDROID
    if IOS.search(agent) or hint == "ios":
        return Platform.IOS
    return Platform.DESKTOP
