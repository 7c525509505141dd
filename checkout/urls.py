from django.urls import path

from checkout import views, webhooks

app_name = "checkout"

urlpatterns = [
    path(
        "events/<slug:slug>/buy/products/<int:product_id>/",
        views.product_options,
        name="product_options",
    ),
    path("events/<slug:slug>/buy/cart/", views.cart, name="cart"),
    path("events/<slug:slug>/buy/cart/add/", views.cart_add, name="cart_add"),
    path("events/<slug:slug>/buy/cart/lines/<int:line_id>/", views.cart_line, name="cart_line"),
    path("events/<slug:slug>/buy/checkout/", views.checkout_start, name="checkout_start"),
    path("orders/<uuid:number>/", views.order_status, name="order_status"),
    path("orders/<uuid:number>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<uuid:number>/test-pay/", views.test_mode_pay, name="test_mode_pay"),
    path("account/orders/", views.account_orders, name="account_orders"),
    path("orders/link/<str:token>/", views.order_link, name="order_link"),
    path("orders/link/<str:token>/keep/", views.order_link_keep, name="order_link_keep"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
