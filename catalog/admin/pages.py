"""The Shopping Manager's own pages beside Django's (review an application, invite staff, import
a CSV): rendered in the admin's frame, with its navigation and the model's options."""

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest
from django.template.response import TemplateResponse


def admin_page(
    model_admin: ModelAdmin, request: HttpRequest, template: str, *, title: str, **context
) -> TemplateResponse:
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": model_admin.model._meta,
            **context,
        },
    )
