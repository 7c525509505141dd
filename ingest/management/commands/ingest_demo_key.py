"""Print a new stream key for the demo's live show (`make ingest` publishes the demo clip with it)."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Membership
from events.models import LiveEvent
from ingest.services import ingest_enabled, stream_key_rotate


class Command(BaseCommand):
    help = "Rotate the demo live show's stream key and print it (run seed_demo first)."

    def handle(self, *args, **options):
        if not ingest_enabled():
            raise CommandError("Set INGEST_RTMP_URL and INGEST_HLS_URL (see `make ingest`).")
        event = LiveEvent.objects.filter(slug="cyber-week-live").first()
        owner = Membership.objects.filter(
            merchant_id=getattr(event, "merchant_id", None), role=Membership.Role.OWNER
        ).first()
        if event is None or owner is None:
            raise CommandError("No demo show: run `manage.py seed_demo` first.")
        self.stdout.write(stream_key_rotate(event=event, by=owner.user))
