"""The Shopping Manager's "Get started" page: a merchant's first steps, each ticked once done.

Where a new owner lands after choosing their password (catalog.views.SetPasswordView), and linked
from the Shopping Manager's home. Every step is read from the merchant's own data on each visit
(products, shipping settings, shows), so the list is never out of date; each link is offered only
to staff whose role may follow it. It lives here, above the apps, because it reads all three.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin import AdminSite
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from catalog.models import Merchant, Product
from catalog.selectors import merchant_for
from events.models import LiveEvent

Status = LiveEvent.Status


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    detail: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, URL)


def get_started_view(request: HttpRequest, *, site: AdminSite) -> TemplateResponse:
    """Staff only (the admin site's admin_view); a merchant's staff see their own merchant's."""
    merchant = merchant_for(request.user)
    steps = get_started_steps(merchant=merchant, request=request, site=site) if merchant else []
    context = {
        **site.each_context(request),
        "title": "Get started",
        "merchant": merchant,
        "steps": steps,
        "done_count": sum(step.done for step in steps),
    }
    return TemplateResponse(request, "admin/get_started.html", context)


def get_started_steps(*, merchant: Merchant, request: HttpRequest, site: AdminSite) -> list[Step]:
    def allowed(model, permission: str, obj=None) -> bool:
        try:
            model_admin = site.get_model_admin(model)
        except NotRegistered:
            return False
        if permission == "add":
            return model_admin.has_add_permission(request)
        return getattr(model_admin, f"has_{permission}_permission")(request, obj)

    steps = [_products_step(merchant, allowed)]
    steps.append(_shipping_step(merchant, allowed))
    steps.extend(_show_steps(merchant, allowed))
    return steps


def _products_step(merchant: Merchant, allowed) -> Step:
    counts = Product.objects.filter(merchant=merchant).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(status=Product.Status.ACTIVE))
    )
    if not counts["total"]:
        detail = "Add them one by one with their options and photos, or import a catalog CSV."
    elif not counts["active"]:
        detail = f"{_count(counts['total'], 'product')}, none on sale yet: set one to Active."
    else:
        detail = f"{_count(counts['total'], 'product')}, {counts['active']} on sale."
    links = []
    if allowed(Product, "add"):
        links = [
            ("Add a product", reverse("admin:catalog_product_add")),
            ("Import a CSV", reverse("admin:catalog_product_import_csv")),
        ]
    return Step("Add your products", bool(counts["total"]), detail, links)


def _shipping_step(merchant: Merchant, allowed) -> Step:
    """The merchant's shipping and tax rule (checkout.CheckoutSettings)."""
    settings_model = apps.get_model("checkout", "CheckoutSettings")
    mine = settings_model.objects.filter(merchant=merchant).first()
    if mine is None:
        detail = "Choose a flat rate or free shipping, and how tax is charged."
        url = reverse("admin:checkout_checkoutsettings_add")
        may = allowed(settings_model, "add")
    else:
        detail = "Your shipping rate and tax are set."
        url = reverse("admin:checkout_checkoutsettings_change", args=[mine.pk])
        may = allowed(settings_model, "view", mine)
    return Step(
        "Set shipping and tax",
        mine is not None,
        detail,
        [("Set shipping and tax", url)] if may else [],
    )


def _show_steps(merchant: Merchant, allowed) -> list[Step]:
    shows = LiveEvent.objects.filter(merchant=merchant).exclude(status=Status.CANCELLED)
    next_show = (
        shows.filter(status=Status.LIVE).first()
        or shows.filter(status=Status.SCHEDULED).order_by("scheduled_start").first()
    )
    went_live = shows.filter(status__in=[Status.LIVE, Status.ENDED]).exists()

    if next_show is not None:
        when = timezone.localtime(next_show.scheduled_start).strftime("%a %d %b, %H:%M %Z")
        schedule_detail = f"Next: {next_show.title}, {when}."
    elif shows.exists():
        schedule_detail = "No show coming up: schedule the next one."
    else:
        schedule_detail = "Give it a title, a time and the products you will show."
    schedule = Step(
        "Schedule a show",
        next_show is not None or went_live,
        schedule_detail,
        [("Schedule a show", reverse("admin:events_liveevent_add"))]
        if allowed(LiveEvent, "add")
        else [],
    )

    if next_show is None:
        console_detail = "Once a show is scheduled, its console is where you go live."
        console_links = []
    else:
        console_detail = (
            f"{next_show.title} is live now."
            if next_show.status == Status.LIVE
            else "Go live, feature products and talk with viewers from the console."
        )
        console_links = (
            [("Open the console", reverse("events:console", args=[next_show.slug]))]
            if allowed(LiveEvent, "change", next_show)
            else []
        )
    console = Step("Go live from the console", went_live, console_detail, console_links)
    return [schedule, console]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
