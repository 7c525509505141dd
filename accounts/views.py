"""Signing up and verifying an email. Signing in and out and password resets are Django's views
(liveshop/urls.py), in Liveshop's templates: the reset's link on SITE_URL, and setting a new
password from it verifies the address it was sent to."""

import contextlib
import logging
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors, services, verification
from accounts.forms import SignUpForm
from infrastructure.ratelimits import ratelimited
from infrastructure.site_url import site_root

log = logging.getLogger(__name__)

BACKEND = "django.contrib.auth.backends.ModelBackend"
# The address this browser signed up with: only here does its link sign in (not in a browser
# someone was tricked into opening it in, whose guest orders would then join their account).
SIGNED_UP_AS = "accounts.signed_up_as"


def _asked_next(request) -> str:
    """The `next` the request names when it is a page of this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _next_url(request) -> str:
    """Where to go afterwards: `next` when it is a page of this site, else the home page."""
    return _asked_next(request) or settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
@ratelimited("signup", page=True)
def sign_up(request):
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    data = request.POST if request.method == "POST" else None
    form = SignUpForm(data, initial={"email": request.GET.get("email", "")})
    if form.is_valid():
        try:
            services.viewer_sign_up(
                **form.cleaned_data, site=site_root(request), next_url=_asked_next(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The same answer whether or not the address has an account: only its mailbox learns.
            request.session[SIGNED_UP_AS] = form.cleaned_data["email"].lower()
            sent = {"email": form.cleaned_data["email"]}
            return render(request, "accounts/sign_up_sent.html", sent)
    context = {"form": form, "next": next_url}
    return render(request, "accounts/sign_up.html", context, status=400 if form.errors else 200)


@require_safe
def verify_email(request, token):
    """Verify the link's address; the first time, in the browser that signed up with it (unless
    another account is signed in there), sign in. Anywhere else, or opened again, it only says
    the address is verified."""
    try:
        link = verification.verify_token_read(token)
        user, verified_now = services.email_verify(user_pk=link.user_pk, email=link.email)
    except verification.LinkExpired:
        return render(request, "accounts/verify_failed.html", {"expired": True}, status=410)
    except (verification.LinkInvalid, services.VerificationRefused):
        return render(request, "accounts/verify_failed.html", {"expired": False}, status=400)
    signed_up_here = request.session.get(SIGNED_UP_AS) == user.email.lower()
    if verified_now and signed_up_here and not request.user.is_authenticated:
        login(request, user, backend=BACKEND)
        del request.session[SIGNED_UP_AS]
        # Again, signed in: the page then shows them as such (opened again, it only reads).
        return redirect(request.get_full_path())
    context = {
        "email": user.email,
        "is_them": request.user.is_authenticated and request.user == user,
        "next": _asked_next(request),
    }
    return render(request, "accounts/verified.html", context)


@require_POST
@login_required
@ratelimited("verify_email", page=True)
def verify_email_resend(request):
    user = request.user
    if not selectors.verification_pending(user):
        messages.info(request, "Your email is already verified.")
        return redirect(_next_url(request))
    try:
        services.verification_email_send(user=user, site=site_root(request))
    except (smtplib.SMTPException, OSError):
        log.warning("Verification email to user %s not sent", user.pk, exc_info=True)
        messages.error(request, "We could not send the email just now; try again in a minute.")
    else:
        messages.success(request, f"We sent a new link to {user.email}. It may take a minute.")
    return redirect(_next_url(request))


class SitePasswordResetView(PasswordResetView):
    """Django's password reset, with the link on SITE_URL (infrastructure/site_url.py), never on
    the Host the request named: with a permissive ALLOWED_HOSTS, a request naming another host
    would otherwise send the account's reset token to it."""

    def form_valid(self, form):
        site = urlsplit(site_root(self.request))
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


class VerifyingPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's new password from a reset link, which also verifies a viewer's address: the link
    reached its mailbox. An account someone else signed up with this address (and never verified)
    then has its owner's password, not theirs."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        # Refused for merchant staff (no viewer account), or an address another account verified.
        with contextlib.suppress(services.VerificationRefused):
            services.email_verify(user_pk=user.pk, email=user.email)
        return response
