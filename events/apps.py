from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Live shows"

    def ready(self):
        from catalog.signals import stock_changed
        from events import presence, services

        stock_changed.connect(
            lambda sender, product_ids, **kwargs: services.stock_changed(product_ids=product_ids),
            dispatch_uid="events.stock_changed",
            weak=False,
        )
        # The counts sit below the services: they are handed the one that publishes them.
        presence.on_viewer_count(services.event_viewers_set)
