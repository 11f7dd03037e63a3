"""`arrears queue --user USERNAME [--limit N] --json`: the collector's ranked work queue.

Prints {"accounts": [{"reference", "score", "expected_value", "reasons", "contactable_at"}, …]}: only
accounts the compliance gate allows calling now. Exit 2 for an unknown user or a bad limit.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.clock import utcnow
from arrears.core.errors import NotFound
from arrears.core.management.base import ArrearsCommand
from arrears.scoring.errors import ScoringError
from arrears.scoring.selectors import work_queue, work_queue_json
from arrears.tenancy.selectors import organization_resolve, principal_for_user, user_by_username

from ._scoring_cli import add_json, positive_int


class Command(ArrearsCommand):
    help = "A collector's work queue, best first (accounts the gate blocks now are left out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, metavar="USERNAME")
        parser.add_argument("--limit", default="25", metavar="N")
        parser.add_argument("--org", help="organization slug, when the user works in several")
        add_json(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        limit = positive_int(options["limit"], name="--limit", most=1000)
        user = user_by_username(username=options["user"])
        org_id = organization_resolve(slug=options["org"]).pk if options.get("org") else None
        principal = principal_for_user(user=user, organization_id=org_id) if user else None
        if user is None or principal is None:
            raise NotFound(ScoringError.USER_NOT_FOUND, f"no user {options['user']!r} with a membership")
        queue = work_queue(principal=principal, user_id=user.pk, at=utcnow(), limit=limit)
        if options["json"]:
            self.emit_json(work_queue_json(queue))
            return
        for row in queue.rows:
            self.stdout.write(
                f"{row.reference:<20} {row.expected_value:>12} {row.score:.3f}  {'; '.join(row.reasons)}"
            )
        if queue.later:
            self.stdout.write(f"({len(queue.later)} more not contactable now)")
