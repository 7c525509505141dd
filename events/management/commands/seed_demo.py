from django.core.management.base import BaseCommand

from catalog import demo as catalog_demo
from events import demo as events_demo


class Command(BaseCommand):
    help = "Create the demo brand Waltmart, its catalog, its shows and the demo users (idempotent)."

    def handle(self, *args, **options):
        seeded = catalog_demo.seed_waltmart()
        merchant = seeded["merchant"]
        shows = events_demo.seed_shows(merchant)
        base = "http://127.0.0.1:8000"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {merchant.name}, {merchant.products.count()} products, {len(shows)} shows."
            )
        )
        self.stdout.write(f"Users (password: {catalog_demo.DEMO_PASSWORD}):")
        self.stdout.write(f"  admin     platform staff            {base}/admin/")
        self.stdout.write("  waltmart  Waltmart owner and host")
        self.stdout.write("  viewer    an ordinary viewer")
        for show in shows:
            self.stdout.write(
                f"{show.get_status_display():>9}: {base}{show.get_absolute_url()}  (console: {base}{show.get_absolute_url()}console/)"
            )
        self.stdout.write(f"     Shop: {base}/shop/waltmart/")
