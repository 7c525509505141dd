"""Liveshop's URLs plus `/bench/trivial/`, the floor of the event page herd."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from liveshop.urls import urlpatterns as liveshop_urlpatterns


@require_safe
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *liveshop_urlpatterns]
