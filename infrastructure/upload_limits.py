"""A form that sends more files than DATA_UPLOAD_MAX_NUMBER_FILES gets a message, not a bare 400.

Django refuses such a request while parsing it, the first time anything reads `request.POST`
(the CSRF check, before any view). This middleware reads it first, after the session and the
messages are ready: on refusal it sends the person back to the page they were on with a message
saying what happened. Nothing was saved, since no view ran.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class TooManyFilesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (parses the body, files included)
            except TooManyFilesSent:
                limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
                messages.error(
                    request,
                    f"Nothing was saved: the form sent more than {limit} files at once. "
                    f"Add at most {limit} photos, save, then add the rest.",
                )
                return HttpResponseRedirect(request.get_full_path())
        return self.get_response(request)
