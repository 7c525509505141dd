from django.core.management.base import BaseCommand

from checkout.release import orders_release_expired


class Command(BaseCommand):
    help = "Give back the stock of orders whose reservation expired (run every minute or so)."

    def handle(self, *args, **options):
        released = orders_release_expired()
        self.stdout.write(f"Released {released} expired reservation(s).")
