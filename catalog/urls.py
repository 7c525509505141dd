from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("sell/", views.sell, name="sell"),
    path("sell/thanks/", views.sell_thanks, name="sell_thanks"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="set_password",
    ),
    path("shop/<slug:merchant_slug>/", views.shop, name="shop"),
    path("shop/<slug:merchant_slug>/<slug:product_slug>/", views.product, name="product"),
]
