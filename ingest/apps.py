from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Video ingest"

    def ready(self):
        from ingest import checks  # noqa: F401 (registers the ingest settings check)
