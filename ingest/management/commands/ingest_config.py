"""Write the ingest's nginx configuration from settings (docs/deploy.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.nginx_config import IngestPorts, nginx_config, rtmp_module


class Command(BaseCommand):
    help = "Write nginx.conf for the RTMP ingest (nginx + libnginx-mod-rtmp)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.INGEST_DIR / "nginx.conf"))
        parser.add_argument("--rtmp-port", type=int, default=1935)
        parser.add_argument("--http-port", type=int, default=8080)
        parser.add_argument("--bind", default="127.0.0.1")
        parser.add_argument(
            "--callback", default="http://127.0.0.1:8000", help="How nginx reaches Liveshop."
        )

    def handle(self, *args, **options):
        if len(settings.INGEST_SECRET) < 16:
            raise CommandError("Set INGEST_SECRET (16 characters or more) first.")
        directory = settings.INGEST_DIR
        for sub in ("hls", "recordings"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        try:
            module = rtmp_module()
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        config = nginx_config(
            directory=directory,
            callback_base=options["callback"],
            secret=settings.INGEST_SECRET,
            ports=IngestPorts(
                rtmp=options["rtmp_port"], http=options["http_port"], bind=options["bind"]
            ),
            module=module,
        )
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(config)
        self.stdout.write(f"Wrote {out}")
