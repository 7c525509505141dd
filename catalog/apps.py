from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        # The links in onboarding emails need the site's public address (SITE_URL) in production.
        from liveshop import site_url  # noqa: F401 (registers its system check)
