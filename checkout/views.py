"""JSON endpoints of buying in the event page, the Stripe webhook, the account's orders, and an
order's page from the link in its emails.

Every purchase endpoint decides the platform from the request itself, so a request made outside
our page is refused just the same.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as accounts
from accounts.services import address_save
from catalog.selectors import shop_merchant
from checkout import cart as carts
from checkout import order_links, orders, payment_outcomes, selectors
from checkout.errors import CheckoutError, SignInRequired
from checkout.forms import ContactForm
from checkout.models import Order
from checkout.payments import get_provider
from checkout.shoppers import Shopper, email_claim, guest_key
from checkout.storefronts import Storefront
from events.purchase_rules import PurchaseRefused, platform_of
from events.selectors import public_event
from infrastructure.json_input import BodyNotAnObject, json_object
from infrastructure.ratelimits import ratelimited


def shopper_of(request, *, create: bool = True) -> Shopper:
    """Who is asking. A guest gets a key (a session) the first time they buy, not when they look:
    with `create` off a guest without one owns nothing."""
    ip, platform = request.META.get("REMOTE_ADDR", ""), platform_of(request)
    if request.user.is_authenticated:
        return Shopper(user=request.user, session_key="", platform=platform, ip=ip)
    key = guest_key(request, create=create)
    return Shopper(user=None, session_key=key, platform=platform, ip=ip)


def _body(request) -> dict:
    try:
        return json_object(request)
    except BodyNotAnObject as exc:
        raise CheckoutError(exc.message) from None


def _refused(exc: PurchaseRefused, *, store: Storefront | None = None) -> JsonResponse:
    body = {"error": exc.message, "code": exc.code}
    if isinstance(exc, SignInRequired) and store is not None:
        body["sign_in_url"] = f"{reverse('login')}?{urlencode({'next': store.get_absolute_url()})}"
    return JsonResponse(body, status=exc.http_status)


def storefront_view(view):
    """The same buying endpoints serve a show (/events/<slug>/buy/...) and a shop
    (/shop/<merchant_slug>/buy/...): the view gets the Storefront, or the request a 404. A step
    the services refuse (PurchaseRefused) answers with its message and code."""

    @wraps(view)
    def wrapper(request, *args, slug=None, merchant_slug=None, **kwargs):
        if slug is not None:
            store = Storefront.of(event=public_event(slug))
        else:
            store = Storefront.of(shop=shop_merchant(merchant_slug))
        try:
            return view(request, store, *args, **kwargs)
        except PurchaseRefused as exc:
            return _refused(exc, store=store)

    return wrapper


@require_safe
@storefront_view
def product_options(request, store, product_id):
    options = selectors.product_options(store=store, product_id=product_id)
    if options is None:
        return JsonResponse({"error": f"That product is not part of {store.place}."}, status=404)
    return JsonResponse(options)


@require_safe
@ensure_csrf_cookie  # the shop's pages are cached for everyone and carry no token of their own
@storefront_view
def cart(request, store):
    # Looking at an empty cart makes no session: a herd of viewers opening the page writes nothing.
    return JsonResponse(selectors.cart_json(store=store, shopper=shopper_of(request, create=False)))


@require_POST
@ratelimited("cart")
@storefront_view
def cart_add(request, store):
    shopper = shopper_of(request)
    payload = _body(request)
    carts.cart_add(
        **store.where,
        shopper=shopper,
        variant_id=payload.get("variant_id"),
        quantity=payload.get("quantity"),
    )
    return JsonResponse(selectors.cart_json(store=store, shopper=shopper))


@require_POST
@ratelimited("cart")
@storefront_view
def cart_line(request, store, line_id):
    shopper = shopper_of(request)
    payload = _body(request)
    carts.cart_set_quantity(
        **store.where, shopper=shopper, line_id=line_id, quantity=payload.get("quantity")
    )
    return JsonResponse(selectors.cart_json(store=store, shopper=shopper))


@require_POST
@ratelimited("checkout")
@storefront_view
def checkout_start(request, store):
    shopper = shopper_of(request)
    payload = _body(request)
    form = ContactForm(payload)
    if not form.is_valid():
        return JsonResponse(
            {"error": "Check the highlighted fields.", "fields": form.errors}, status=400
        )
    started = orders.checkout_start(**store.where, shopper=shopper, contact=form.cleaned_data)
    if payload.get("save_address") and request.user.is_authenticated:
        # Checked by the form above: where this viewer's next order ships unless they change it.
        address_save(request.user, form.cleaned_data)
    provider = get_provider()
    return JsonResponse(
        {
            "order": selectors.order_json(started.order),
            "payment": {
                "provider": provider.name,
                "test_mode": provider.test_mode,
                "client_secret": started.intent.client_secret,
                "publishable_key": provider.publishable_key,
            },
        }
    )


@require_safe
def order_status(request, number):
    order = _own_order(request, number)
    return JsonResponse(selectors.order_json(order))


@require_POST
@ratelimited("checkout")
def order_cancel(request, number):
    order = _own_order(request, number)
    try:
        order = orders.order_cancel(order=order, shopper=shopper_of(request))
    except PurchaseRefused as exc:
        return _refused(exc)
    return JsonResponse(selectors.order_json(order))


@require_POST
@ratelimited("checkout")
def test_mode_pay(request, number):
    order = _own_order(request, number)
    try:
        outcome = _body(request).get("outcome")
        if outcome not in ("succeed", "fail"):
            raise CheckoutError('Choose the outcome of the test payment: "succeed" or "fail".')
        payment_outcomes.pay_in_test_mode(
            order=order, shopper=shopper_of(request), succeed=outcome == "succeed"
        )
    except PurchaseRefused as exc:
        return _refused(exc)
    order.refresh_from_db()
    return JsonResponse(selectors.order_json(order))


def _own_order(request, number) -> Order:
    owner = shopper_of(request, create=False)
    return get_object_or_404(Order.objects.filter(owner.owns()), number=number)


@require_safe
@login_required
def account_orders(request):
    return render(
        request,
        "checkout/account_orders.html",
        {
            "orders": selectors.orders_of(request.user),
            "verification_pending": accounts.verification_pending(request.user),
        },
    )


def _linked_order(request, token):
    """The order of an emailed link, or the 4xx page saying why the link shows none."""
    try:
        return order_links.order_from_link(token), None
    except order_links.LinkExpired:
        status, expired = 410, True
    except (order_links.LinkInvalid, Order.DoesNotExist):
        status, expired = 400, False
    page = render(request, "checkout/order_link_failed.html", {"expired": expired}, status=status)
    return None, page


@require_safe
@never_cache  # a shipping address: for this browser only
def order_link(request, token):
    """An order, for whoever holds the link from its emails: no sign-in needed."""
    order, refused = _linked_order(request, token)
    if refused:
        return refused
    offer = order_links.keep_offer(order, request.user)
    context = {"order": order, "offer": offer, "token": token}
    return render(request, "checkout/order_link.html", context)


@require_POST
@login_required
def order_link_keep(request, token):
    """Add the guest orders of the viewer's verified email (this one among them) to their orders."""
    order, refused = _linked_order(request, token)
    if refused:
        return refused
    if order_links.keep_offer(order, request.user) != "claim":
        messages.error(request, "This order can only join the account of its verified email.")
        return redirect("checkout:order_link", token=token)
    email_claim(user=request.user)
    messages.success(request, "The order is in your orders now.")
    return redirect("checkout:account_orders")
