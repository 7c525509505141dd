from django.contrib.admin.apps import AdminConfig


class ShoppingManagerAdminConfig(AdminConfig):
    default_site = "liveshop.admin_site.ShoppingManagerSite"
