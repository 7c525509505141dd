"""The admin site as the Shopping Manager: Django's AdminSite with tenant-aware shortcuts."""

from functools import partial

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path

from accounts.sign_in import ShoppingManagerSignInForm
from catalog.tenancy import in_merchant_time_zone, scope_for_user
from liveshop.get_started import get_started_view


class ShoppingManagerSite(admin.AdminSite):
    site_header = "Liveshop Shopping Manager"
    site_title = "Shopping Manager"
    index_title = "Shopping Manager"
    # Sign in with Liveshop's look and its email address field (templates/registration/login.html).
    login_form = ShoppingManagerSignInForm
    login_template = "registration/login.html"

    def admin_view(self, view, cacheable=False):
        # A merchant's staff enter and read times in their merchant's zone (platform staff: UTC).
        return super().admin_view(in_merchant_time_zone(view), cacheable)

    def get_urls(self):
        # Django's "view on site" redirect resolves any object by content type; scope it first.
        urls = [u for u in super().get_urls() if getattr(u, "name", None) != "view_on_site"]
        return [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            path(
                "get-started/",
                self.admin_view(partial(get_started_view, site=self)),
                name="get_started",
            ),
            *urls,
        ]

    def view_on_site(self, request, content_type_id, object_id):
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        if model is None:
            raise Http404
        try:
            visible = scope_for_user(
                model._default_manager.filter(pk=object_id), request.user
            ).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)
