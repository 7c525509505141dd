"""The ingest's background work: storing a show's recording (a remux and an upload)."""

from celery import shared_task

from infrastructure.background import BackgroundTask


@shared_task(base=BackgroundTask)
def recording_store(*, playback_id: str, path: str) -> bool:
    from ingest.services import recording_store

    return recording_store(playback_id=playback_id, path=path) is not None
