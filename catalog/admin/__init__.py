"""The Shopping Manager's catalog: merchants' data in the Django admin, isolated per merchant
(catalog/tenancy.py), one module per model. The admin only parses and renders: what it writes goes
through the catalog's services (services, products, stock, images, kept_uploads, catalog_csv)."""

from catalog.admin import applications, merchants, photos, products, variants  # noqa: F401
