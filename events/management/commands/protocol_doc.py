"""Write docs/realtime.md's tables from events/protocol.py (or, with --check, say if they differ)."""

from django.core.management.base import BaseCommand, CommandError

from events import protocol_doc


class Command(BaseCommand):
    help = "Write the realtime protocol's tables in docs/realtime.md from events/protocol.py."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="rewrite the document")

    def handle(self, *args, write: bool, **options):
        document = protocol_doc.DOCUMENT.read_text()
        updated = protocol_doc.rendered(document)
        if updated == document:
            self.stdout.write("docs/realtime.md matches events/protocol.py.")
        elif write:
            protocol_doc.DOCUMENT.write_text(updated)
            self.stdout.write("docs/realtime.md rewritten from events/protocol.py.")
        else:
            raise CommandError(
                "docs/realtime.md differs from events/protocol.py: run with --write."
            )
