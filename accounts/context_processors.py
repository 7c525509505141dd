from django.conf import settings


def account_nav(request) -> dict:
    """`header_signed_in` for the header's account links, read only when the page uses it.

    A visitor without a session cookie is a guest, and the header says so without reading the
    session: pages that shared caches may keep (the shop pages) stay the same for all of them, with
    no session and no `Vary: Cookie`.
    """

    def signed_in() -> bool:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        return request.user.is_authenticated

    return {"header_signed_in": signed_in}
