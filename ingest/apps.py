from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Video ingest"

    def ready(self):
        from ingest import (
            checks,  # noqa: F401 (registers the ingest settings check)
            health,
        )
        from liveshop import page_extras

        page_extras.register(page_extras.CONSOLE_PAGE, health.console_broadcast)
