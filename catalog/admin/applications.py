"""Applications to sell on Liveshop, reviewed by platform staff: approve (a verified merchant and
its owner) or reject with a reason, each through catalog/services.py."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from catalog import services
from catalog.admin.pages import admin_page
from catalog.forms import ApproveApplicationForm, MerchantApplicationForm, RejectApplicationForm
from catalog.models import MerchantApplication
from catalog.selectors import is_platform_staff
from infrastructure.site_url import site_root


class PlatformOnlyAdmin(admin.ModelAdmin):
    """Only platform staff (Liveshop employees) ever see these."""

    def has_module_permission(self, request):
        return is_platform_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_staff(request.user)

    def has_add_permission(self, request):
        return is_platform_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_staff(request.user)


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(PlatformOnlyAdmin):
    list_display = ["business_name", "contact_email", "website", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["business_name", "contact_email", "website"]
    readonly_fields = [
        *MerchantApplicationForm.Meta.fields,  # what the applicant wrote
        "status",
        "rejection_reason",
        "reviewed_by",
        "reviewed_at",
        "merchant",
        "created_at",
        "review_links",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # applications come from the public form

    @admin.display(description="Review")
    def review_links(self, obj):
        if obj.status != MerchantApplication.Status.PENDING:
            return "Reviewed."
        return format_html(
            '<a class="button" href="{}">Approve…</a>&nbsp;<a class="button" href="{}">Reject…</a>',
            reverse("admin:catalog_merchantapplication_approve", args=[obj.pk]),
            reverse("admin:catalog_merchantapplication_reject", args=[obj.pk]),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="catalog_merchantapplication_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="catalog_merchantapplication_reject",
            ),
            *super().get_urls(),
        ]

    def _review(self, request, pk, form_class, decide, title):
        if not self.has_change_permission(request):
            raise PermissionDenied
        application = get_object_or_404(MerchantApplication, pk=pk)
        back = reverse("admin:catalog_merchantapplication_change", args=[pk])
        if application.status != MerchantApplication.Status.PENDING:
            messages.error(request, "This application was already reviewed.")
            return HttpResponseRedirect(back)
        form = form_class(request.POST or None, application=application)
        if request.method == "POST" and form.is_valid():
            try:
                message = decide(application, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(back)
        return admin_page(
            self,
            request,
            "admin/catalog/review_application.html",
            title=title,
            application=application,
            form=form,
        )

    def approve_view(self, request, pk):
        def decide(application, data):
            approval = services.application_approve(
                application=application,
                slug=data["slug"],
                reviewer=request.user,
                site=site_root(request),
            )
            return f"Approved: {approval.merchant} is verified; {approval.owner.email} was emailed."

        return self._review(request, pk, ApproveApplicationForm, decide, "Approve application")

    def reject_view(self, request, pk):
        def decide(application, data):
            services.application_reject(
                application=application, reason=data["reason"], reviewer=request.user
            )
            return f"Rejected; {application.contact_email} was emailed the reason."

        return self._review(request, pk, RejectApplicationForm, decide, "Reject application")
