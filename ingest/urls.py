from django.urls import path

from ingest import views

app_name = "ingest"

urlpatterns = [
    path("ingest/on-publish/", views.on_publish, name="on_publish"),
    path("ingest/on-relay-publish/", views.on_relay_publish, name="on_relay_publish"),
    path("ingest/on-publish-done/", views.on_publish_done, name="on_publish_done"),
    path("ingest/on-record-done/", views.on_record_done, name="on_record_done"),
    path("events/<slug:slug>/console/stream-key/", views.stream_key_rotate, name="stream_key"),
    path("events/<slug:slug>/console/stream/", views.stream_health, name="stream_health"),
]
