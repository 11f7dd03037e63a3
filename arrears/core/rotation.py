"""Re-encrypting a column under the newest field key, in batches that can stop and resume anywhere.

Each app re-encrypts its own columns through its own service, which calls these helpers with its
model; `arrears rotate-keys` (strategies) walks every app. A batch locks its rows, so a value written
while the rotation runs is neither lost nor left under the old key; a row already under the newest key
is skipped, so a rotation that was interrupted resumes by running again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction

from . import crypto


@dataclass(frozen=True, slots=True)
class RotationBatch:
    scanned: int
    re_encrypted: int
    last_id: int | None  # the cursor for the next batch; None when the column is done


def rotate_column_batch(model: type[models.Model], field: str, *, after_id: int, batch: int) -> RotationBatch:
    """Re-encrypt the values of ``model.field`` among the ``batch`` rows after ``after_id``."""
    with transaction.atomic():
        rows = list(
            model._default_manager.select_for_update()
            .filter(pk__gt=after_id)
            .exclude(**{field: ""})
            .order_by("pk")
            .values_list("pk", field)[:batch]
        )
        changed = [
            model(pk=pk, **{field: crypto.rotate(_text(token))})
            for pk, token in rows
            if not crypto.is_current(_text(token))
        ]
        if changed and isinstance(rows[0][1], bytes | memoryview):
            for row in changed:
                setattr(row, field, getattr(row, field).encode())
        model._default_manager.bulk_update(changed, [field], batch_size=500)
    return RotationBatch(len(rows), len(changed), rows[-1][0] if rows else None)


def stale_count(model: type[models.Model], field: str, *, chunk: int = 2000) -> int:
    """How many values of ``model.field`` are not under the newest key (read only)."""
    values = model._default_manager.exclude(**{field: ""}).values_list(field, flat=True)
    return sum(1 for token in values.iterator(chunk_size=chunk) if not crypto.is_current(_text(token)))


def _text(token: str | bytes | memoryview) -> str:
    if isinstance(token, memoryview):
        token = token.tobytes()
    return token.decode() if isinstance(token, bytes) else token
