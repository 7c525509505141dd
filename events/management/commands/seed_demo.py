from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog import demo as catalog_demo
from events import demo as events_demo

ALLOW_FLAG = "--allow-demo-users-without-debug"


class Command(BaseCommand):
    help = "Create the demo brand Waltmart, its catalog, its shows and the demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            ALLOW_FLAG,
            action="store_true",
            help="Create the demo users even with DEBUG off (a private demo server only): their "
            "password is public and `admin` is a superuser.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_demo_users_without_debug"]:
            raise CommandError(
                "Nothing was created: DEBUG is off, and the demo users have a public password "
                f"({catalog_demo.DEMO_PASSWORD}), `admin` being a superuser. On a private demo "
                f"server, run: manage.py seed_demo {ALLOW_FLAG}"
            )
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
