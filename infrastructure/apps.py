from django.apps import AppConfig


class InfrastructureConfig(AppConfig):
    name = "infrastructure"
    verbose_name = "Infrastructure"

    def ready(self):
        # Links in emails need the site's public address (SITE_URL) in production.
        from infrastructure import site_url  # noqa: F401 (registers its system check)
