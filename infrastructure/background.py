"""What every app's Celery tasks share: retries with backoff, and `enqueue`.

Queue a task with `enqueue` once the data it reads is committed. Without a broker (no REDIS_URL, the
embedded default) tasks run at once, in the process that queues them; a failure is then logged and
not retried, never raised into the request.
"""

import logging

from celery import Task

log = logging.getLogger(__name__)

# Retried after about 1 s, 2 s, 4 s, ... (each a random part of it), never more than 10 min apart.
BACKOFF = {"retry_backoff": True, "retry_backoff_max": 600, "retry_jitter": True}


class BackgroundTask(Task):
    """Retries happen on a worker only. Run eagerly, a task runs once: there is no worker to retry
    it later, and retrying at once would only keep the request that queued it waiting."""

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager and exc is not None:
            raise exc
        return super().retry(*args, exc=exc, **kwargs)


def enqueue(task: Task, **kwargs) -> None:
    """Queue `task` with `kwargs`. Call it after the commit of what the task reads. A broker that
    cannot be reached is logged, not raised: what was committed stands, and each task has a way
    back (the sweep runs again in a minute; staff retry refunds from the order list)."""
    try:
        task.delay(**kwargs)
    except Exception:
        log.exception("Could not queue %s(%s)", task.name, kwargs)
