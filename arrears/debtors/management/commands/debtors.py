"""`arrears debtors merge KEEP_ID MERGED_ID` and `arrears debtors unmerge MERGE_ID`.

Exit codes: 0 done, 2 no such debtor or merge, or the request cannot be done (already merged, …).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.debtors.merging import debtor_get, debtor_merge, debtor_merge_get, debtor_unmerge
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


class Command(ArrearsCommand):
    help = "Merge duplicate debtors, or undo a merge"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        merge = sub.add_parser(
            "merge", help="Fold MERGED_ID into KEEP_ID (accounts, contacts, consents move)"
        )
        merge.add_argument("keep_id", type=int)
        merge.add_argument("merged_id", type=int)
        unmerge = sub.add_parser("unmerge", help="Undo merge MERGE_ID")
        unmerge.add_argument("merge_id", type=int)
        for p in (merge, unmerge):
            p.add_argument("--org", help="organization slug (optional when only one exists)")
            p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_resolve(slug=options["org"])
        actor = system_principal(org.pk, "cli")
        if options["action"] == "merge":
            record = debtor_merge(
                kept=debtor_get(actor=actor, debtor_id=options["keep_id"]),
                merged=debtor_get(actor=actor, debtor_id=options["merged_id"]),
                actor=actor,
            )
        else:
            record = debtor_unmerge(
                merge=debtor_merge_get(actor=actor, merge_id=options["merge_id"]), actor=actor
            )
        result = {
            "merge": record.pk,
            "kept": record.kept_id,
            "merged": record.merged_id,
            "moved": {k: len(v) for k, v in record.moved.items()},
            "undone": record.undone_at is not None,
        }
        if options["json"]:
            sys.stdout.write(json.dumps(result) + "\n")
        elif result["undone"]:
            self.stdout.write(f"Undid merge #{record.pk}: debtor {record.merged_id} stands on its own again")
        else:
            self.stdout.write(f"Merge #{record.pk}: debtor {record.merged_id} merged into {record.kept_id}")
