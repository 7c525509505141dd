from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Live shows"

    def ready(self):
        from catalog.signals import stock_changed
        from events import services

        stock_changed.connect(
            lambda sender, product_ids, **kwargs: services.stock_changed(product_ids=product_ids),
            dispatch_uid="events.stock_changed",
            weak=False,
        )
