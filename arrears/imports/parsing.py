"""The validation pass's row parsing, on every core: rows go out in chunks to worker processes and
come back in file order as outcomes, so the caller sees exactly what parsing in-process gives.

The file is read once, here, in the calling process (a quoted field can hold a line break, so only a
CSV reader knows where rows end); workers get plain cell lists and return plain tuples. At most a few
chunks per worker are in flight, so memory stays flat whatever the file's size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .domain.reading import Cells
from .domain.records import Record, RowParser

SKIPPED, PARSED, REJECTED = 0, 1, 2
CHUNK_ROWS = 1000
AHEAD_PER_WORKER = 3

# (row, SKIPPED/PARSED/REJECTED, payload, account_ref): the payload is `Record.pack()` for a parsed
# row and a list of (row, column, value, message) issues for a rejected one. The reference of a
# rejected row is read from its cell, so that repeats are still found.
Outcome = tuple[int, int, Any, str]


def outcome(parser: RowParser, row: int, values: list[str]) -> Outcome:
    if parser.skip(values):
        return (row, SKIPPED, None, "")
    parsed = parser.parse(row, values)
    if isinstance(parsed, Record):
        return (row, PARSED, parsed.pack(), parsed.account_ref)
    at = parser.index.get("account_ref")
    ref = values[at].strip() if at is not None and at < len(values) else ""
    return (row, REJECTED, [(i.row, i.column, i.value, i.message) for i in parsed], ref)


def default_workers() -> int:
    return os.process_cpu_count() or 1


def parse_rows(parser: RowParser, rows: Iterable[Cells], *, workers: int) -> Iterator[Outcome]:
    """Every row's outcome, in file order; with workers > 1, parsed in that many processes."""
    if workers <= 1:
        for cells in rows:
            yield outcome(parser, cells.row, cells.values)
        return
    # spawn, not fork: the caller may be a threaded web server or task worker, and a forked child of a
    # threaded process can inherit a held lock. The workers import only the pure parsing modules.
    context = multiprocessing.get_context("spawn")
    chunks = iter(lambda: [(c.row, c.values) for c in islice(rows, CHUNK_ROWS)], [])
    with context.Pool(workers, initializer=_start, initargs=(parser,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_parse_chunk, (chunk,)))
            while len(pending) >= workers * AHEAD_PER_WORKER:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


_parser: RowParser | None = None


def _start(parser: RowParser) -> None:
    global _parser  # noqa: PLW0603 (one parser per worker process, set once when it starts)
    _parser = parser


def _parse_chunk(chunk: list[tuple[int, list[str]]]) -> list[Outcome]:
    assert _parser is not None  # noqa: S101 (set by the pool's initializer)
    parser = _parser
    return [outcome(parser, row, values) for row, values in chunk]
