from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from accounts.sign_in import SignInForm
from accounts.views import SitePasswordResetView, VerifyingPasswordResetConfirmView
from infrastructure.ratelimits import ratelimited

# Sign-in forms: failed attempts are throttled per account by django-axes, and every attempt per
# address here.
sign_in = ratelimited("login", page=True)
# Each reset request sends an email: limited per address too.
reset_password = ratelimited("password_reset", page=True)

urlpatterns = [
    path("admin/login/", sign_in(admin.site.login)),
    path(
        "accounts/login/",
        sign_in(LoginView.as_view(authentication_form=SignInForm)),
        name="login",
    ),
    path("admin/", admin.site.urls),
    path(
        "accounts/password_reset/",
        reset_password(SitePasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        VerifyingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("ingest.urls")),
    path("", include("checkout.urls")),
    path("", include("events.urls")),
    path("", include("catalog.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
