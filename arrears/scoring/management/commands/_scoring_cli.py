"""Parsing shared by `arrears scoring`, `arrears queue` and `arrears forecast`."""

from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.core.management.base import EXIT_USAGE


def add_json(parser: CommandParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")


def positive_int(text: str, *, name: str, most: int) -> int:
    from django.core.management.base import CommandError

    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"{name}: not a whole number: {text!r}", returncode=EXIT_USAGE) from None
    if not 1 <= value <= most:
        raise CommandError(f"{name}: must be between 1 and {most}", returncode=EXIT_USAGE)
    return value
