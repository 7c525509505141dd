from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/", views.event_list, name="list"),
    path("events/now/", views.shows_now, name="now"),
    path("events/<slug:slug>/", views.event_page, name="event"),
    path("events/<slug:slug>/console/", views.console, name="console"),
    path(
        "events/<slug:slug>/console/restrictions/",
        views.console_restrictions,
        name="console_restrictions",
    ),
    path("events/<slug:slug>/console/<str:action>/", views.console_action, name="console_action"),
]
