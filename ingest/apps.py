from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Video ingest"

    def ready(self):
        from infrastructure import page_extras
        from ingest import (
            checks,  # noqa: F401 (registers the ingest settings check)
            health,
        )

        page_extras.register(page_extras.CONSOLE_PAGE, health.console_broadcast)
