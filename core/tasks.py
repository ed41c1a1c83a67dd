"""The outbox's own task: many rows' tasks published from a worker, not from the request."""

from celery import shared_task

from core import outbox


@shared_task(acks_late=True)
def enqueue_each(task_name: str, pks: list[int]) -> int:
    """Publish ``task_name`` once per primary key (``outbox.enqueue_on_commit`` of a large batch)."""
    outbox.enqueue_now(task_name, pks)
    return len(pks)
