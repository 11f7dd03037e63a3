"""Background work for the outbox. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from arrears.core.clock import utcnow


@task()
def message_deliver_task(*, message_id: int) -> str:
    """Deliver one outbox message (a second run finds it sent, or held, and does nothing)."""
    from .messaging import message_deliver

    return str(message_deliver(message_id=message_id).status)


@task()
def messages_deliver_task(*, message_ids: list[int]) -> int:
    """Deliver a chunk of outbox messages queued by a batch."""
    from .messaging import message_deliver

    for message_id in message_ids:
        message_deliver(message_id=message_id)
    return len(message_ids)


@task()
def outbox_sweep_task() -> int:
    """Retry what is due: pending rows whose task was lost, held rows whose block may have cleared
    (a lifted hold clears at no predictable time), and sends interrupted by a crash."""
    from .messaging import message_deliver, messages_due

    due = messages_due(now=utcnow())
    for message_id in due:
        message_deliver(message_id=message_id)
    return len(due)


@task()
def letters_print_task(*, organization_id: int) -> list[int]:
    """Print what is waiting: batches left open by an interrupted run first, then new batches until no
    letter is left. Returns the completed batch ids."""
    from arrears.tenancy.domain import system_principal
    from arrears.tenancy.selectors import organization_get

    from .letters import letter_batch_complete, letter_batch_create
    from .messaging_choices import LetterBatchStatus
    from .models import LetterBatch

    actor = system_principal(organization_id, "contact")
    organization = organization_get(organization_id=organization_id)
    done = []
    for batch_id in LetterBatch.objects.filter(
        organization_id=organization_id, status=LetterBatchStatus.OPEN
    ).values_list("pk", flat=True):
        done.append(letter_batch_complete(batch_id=batch_id, actor=actor).pk)
    while (batch := letter_batch_create(organization=organization, actor=actor)) is not None:
        done.append(letter_batch_complete(batch_id=batch.pk, actor=actor).pk)
    return done
