from django.urls import path

from checkout import views, webhooks

app_name = "checkout"

# Buying, the same endpoints in a show (events/<slug>/buy/) and in a shop (shop/<merchant_slug>/buy/).
BUYING = [
    ("products/<int:product_id>/", views.product_options, "product_options"),
    ("cart/", views.cart, "cart"),
    ("cart/add/", views.cart_add, "cart_add"),
    ("cart/lines/<int:line_id>/", views.cart_line, "cart_line"),
    ("checkout/", views.checkout_start, "checkout_start"),
]

urlpatterns = [
    *(path(f"events/<slug:slug>/buy/{route}", view, name=name) for route, view, name in BUYING),
    *(
        path(f"shop/<slug:merchant_slug>/buy/{route}", view, name=f"shop_{name}")
        for route, view, name in BUYING
    ),
    path("orders/<uuid:number>/", views.order_status, name="order_status"),
    path("orders/<uuid:number>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<uuid:number>/test-pay/", views.test_mode_pay, name="test_mode_pay"),
    path("account/orders/", views.account_orders, name="account_orders"),
    path("orders/link/<str:token>/", views.order_link, name="order_link"),
    path("orders/link/<str:token>/keep/", views.order_link_keep, name="order_link_keep"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
