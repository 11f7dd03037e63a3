"""Parameter types the resource routers share: an id in a path, a cursor, an account filter."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Query

BIGINT = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=BIGINT)]
StartingAfter = Annotated[int | None, Query(ge=0, le=BIGINT, description="the last id of the previous page")]
AccountFilter = Annotated[
    int | None, Query(ge=1, le=BIGINT, description="only those of this account (its `id`)")
]
