from django.contrib.auth.views import PasswordResetConfirmView
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from catalog import selectors, services
from catalog.forms import MerchantApplicationForm
from infrastructure import page_extras
from infrastructure.ratelimits import over_limit

# Shop pages are the same for every visitor, so shared caches (a CDN) may keep them briefly. Their
# cart (checkout) says per visitor whether their device may buy.
public_page = cache_control(public=True, max_age=60)


@require_http_methods(["GET", "POST"])
def sell(request):
    form = MerchantApplicationForm(request.POST or None)
    if request.method == "POST":
        if (wait := over_limit(request, "sell")) is not None:
            # The form comes back as it was sent, so nothing typed is lost.
            form.add_error(None, f"Too many applications from your address; try again in {wait} s.")
            return render(request, "catalog/sell.html", {"form": form}, status=429)
        if form.is_valid():
            services.application_submit(**form.cleaned_data)
            return redirect("catalog:sell_thanks")
    return render(request, "catalog/sell.html", {"form": form}, status=400 if form.errors else 200)


@require_safe
def sell_thanks(request):
    return render(request, "catalog/sell_thanks.html")


class SetPasswordView(PasswordResetConfirmView):
    """A new owner (approved application) or invited staff member chooses a password from the
    emailed link (Django's one-time reset token), is signed in, and lands on Get started."""

    template_name = "registration/password_set_confirm.html"
    reset_url_token = "choose"  # the form's own address, once the token is in the session
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("admin:get_started")


@require_safe
@public_page
def shop(request, merchant_slug):
    merchant = selectors.shop_merchant(merchant_slug)
    products = selectors.shop_products(merchant=merchant)
    return render(
        request,
        "catalog/shop.html",
        {
            "merchant": merchant,
            "products": products,
            **page_extras.context_for(page_extras.SHOP_PAGE, request, merchant),
        },
    )


@require_safe
@public_page
def product(request, merchant_slug, product_slug):
    merchant = selectors.shop_merchant(merchant_slug)
    product = selectors.product_for_viewer(merchant=merchant, slug=product_slug)
    return render(
        request,
        "catalog/product.html",
        {
            "merchant": merchant,
            "product": product,
            **page_extras.context_for(page_extras.SHOP_PAGE, request, merchant),
        },
    )
