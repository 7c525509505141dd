"""Tenant isolation for the Shopping Manager (the admin).

Every model a merchant's staff can reach is registered here with the lookup from it to its merchant.
`MerchantScopedAdmin` uses this for the object lists, object URLs, form choices, autocomplete and
filters, so a merchant's staff only ever see their own merchant's rows. Platform staff see all.
Every admin view of a merchant's staff runs in their merchant's time zone (`in_merchant_time_zone`).
"""

import functools
import zoneinfo
from datetime import tzinfo

from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from catalog.local_time import ZonedSplitDateTime, is_time_zone
from catalog.models import Membership, Merchant
from catalog.selectors import is_platform_staff, membership_for, merchant_for

# model -> lookup from that model to its Merchant
_MERCHANT_LOOKUPS: dict[type[models.Model], str] = {Merchant: "pk"}


def register_tenant_model(model: type[models.Model], lookup: str) -> None:
    _MERCHANT_LOOKUPS[model] = lookup


def scope_to_merchant(queryset: QuerySet, merchant: Merchant | None) -> QuerySet:
    """Only the rows of `merchant`; none at all for a model that is not merchant-owned."""
    lookup = _MERCHANT_LOOKUPS.get(queryset.model)
    if merchant is None or lookup is None:
        return queryset.none()
    return queryset.filter(**{lookup: merchant.pk})


def scope_for_user(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    if is_platform_staff(user):
        return queryset
    membership = membership_for(user)
    return scope_to_merchant(queryset, membership.merchant if membership else None)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id widget names the object behind any id typed into it, even one the field
    rejects; this one names only objects among the field's choices."""

    def __init__(self, rel, admin_site, *, queryset: QuerySet, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = self.queryset.filter(**{key: value}).exists()
        except (ValueError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


class MerchantScopedMixin:
    """For ModelAdmin and inlines: merchant staff with one of `merchant_roles` see only their rows."""

    merchant_roles: frozenset[str] = frozenset(
        {Membership.Role.OWNER, Membership.Role.CATALOG_MANAGER}
    )
    # Staff of a merchant may only view, never change, these (for example, a host viewing products).
    merchant_view_only_roles: frozenset[str] = frozenset()
    # Lookups shown as list filters to platform staff only (they list every merchant).
    platform_only_list_filter: tuple[str, ...] = ("merchant",)
    # Times are typed in the merchant's zone (catalog.local_time), named beside each field.
    formfield_overrides = {models.DateTimeField: {"widget": ZonedSplitDateTime}}

    def get_queryset(self, request):
        return scope_for_user(super().get_queryset(request), request.user)

    def _role(self, request) -> str | None:
        membership = membership_for(request.user)
        return membership.role if membership else None

    def _owns(self, request, obj) -> bool:
        return (
            obj is None
            or scope_for_user(type(obj)._default_manager.filter(pk=obj.pk), request.user).exists()
        )

    def has_module_permission(self, request):
        if is_platform_staff(request.user):
            return True
        return self._role(request) in self.merchant_roles | self.merchant_view_only_roles

    def has_view_permission(self, request, obj=None):
        if is_platform_staff(request.user):
            return True
        role = self._role(request)
        return role in self.merchant_roles | self.merchant_view_only_roles and self._owns(
            request, obj
        )

    def _may_write(self, request, obj=None) -> bool:
        if is_platform_staff(request.user):
            return True
        return self._role(request) in self.merchant_roles and self._owns(request, obj)

    def has_add_permission(self, request, *args):
        return self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if "queryset" not in kwargs and not is_platform_staff(request.user):
            kwargs["queryset"] = scope_for_user(related._default_manager.all(), request.user)
            if related is Merchant:
                kwargs["empty_label"] = None
                kwargs["initial"] = kwargs["queryset"].first()
            if "widget" not in kwargs and db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    queryset=kwargs["queryset"],
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not is_platform_staff(request.user):
            kwargs["queryset"] = scope_for_user(
                db_field.remote_field.model._default_manager.all(), request.user
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MerchantScopedAdmin(MerchantScopedMixin, admin.ModelAdmin):
    # List columns shown to platform staff only: a merchant's staff see their own merchant's rows,
    # so its name in every row tells them nothing and only takes width.
    platform_only_list_display: tuple[str, ...] = ("merchant",)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if is_platform_staff(request.user):
            return shown
        return [name for name in shown if name not in self.platform_only_list_display]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if is_platform_staff(request.user):
            return filters
        return [
            f
            for f in filters
            if (f[0] if isinstance(f, tuple) else f) not in self.platform_only_list_filter
        ]

    def lookup_allowed(self, lookup, value, request=None):
        # Merchant staff cannot filter through the merchant relation by hand-written querystrings.
        if (
            request is not None
            and not is_platform_staff(request.user)
            and lookup.split("__")[0] in self.platform_only_list_filter
        ):
            return False
        return super().lookup_allowed(lookup, value, request)


def merchant_time_zone(user: AbstractBaseUser) -> tzinfo | None:
    """The zone of the merchant `user` works for; None for platform staff and everyone else."""
    if is_platform_staff(user):
        return None
    merchant = merchant_for(user)
    if merchant is None or not is_time_zone(merchant.time_zone):
        return None
    return zoneinfo.ZoneInfo(merchant.time_zone)


def in_merchant_time_zone(view):
    """Run an admin view, and render its page, in the zone of the merchant the user works for."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        zone = merchant_time_zone(request.user)
        if zone is None:
            return view(request, *args, **kwargs)
        with timezone.override(zone):
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()  # times on the page are shown in the zone too
            return response

    return wrapper
