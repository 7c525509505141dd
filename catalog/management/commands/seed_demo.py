from django.core.management.base import BaseCommand

from catalog import demo


class Command(BaseCommand):
    help = "Create the demo brand Waltmart, its catalog and the demo users (idempotent)."

    def handle(self, *args, **options):
        seeded = demo.seed_waltmart()
        merchant = seeded["merchant"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {merchant.name}, {merchant.products.count()} products."
            )
        )
        self.stdout.write(f"Users (password: {demo.DEMO_PASSWORD}):")
        self.stdout.write("  admin     platform staff   http://127.0.0.1:8000/admin/")
        self.stdout.write("  waltmart  Waltmart owner and host")
        self.stdout.write("  viewer    an ordinary viewer")
        self.stdout.write("Shop page: http://127.0.0.1:8000/shop/waltmart/")
