"""The Celery app: background tasks, with Redis as the broker (`celery -A liveshop worker`, and
`celery -A liveshop beat` for the schedule). Configured from Django's settings, `CELERY_*` names.

Without REDIS_URL, settings make every task run eagerly where it is queued (the embedded default,
`make run`): nothing else to start.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveshop.settings")

app = Celery("liveshop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
