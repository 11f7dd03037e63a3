"""Read models of debtors for `reports` (credit-bureau furnishing). Reads only debtors' models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .choices import ContactKind, ContactStatus
from .models import ContactPoint, Debtor

_UNUSABLE = (ContactStatus.INVALID, ContactStatus.UNDELIVERABLE, ContactStatus.WRONG_PARTY)


def identities_for_furnishing(*, debtor_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Name, national id (decrypted: furnishing to a bureau is the permitted use), birth date, the primary
    phone and postal address of each debtor. The caller audits the export as a whole."""
    ids = list(debtor_ids)
    out: dict[int, dict[str, Any]] = {}
    for d in Debtor.objects.filter(id__in=ids):
        out[d.id] = {
            "first_name": d.first_name,
            "middle_name": d.middle_name,
            "last_name": d.last_name or d.company_name,
            "ssn": "".join(c for c in d.national_id_plain() if c.isdigit()),
            "date_of_birth": d.date_of_birth,
            "phone": "",
            "address": None,
        }
    points = (
        ContactPoint.objects.filter(debtor_id__in=ids, kind__in=[ContactKind.PHONE, ContactKind.ADDRESS])
        .exclude(status__in=_UNUSABLE)
        .order_by("debtor_id", "-is_primary", "id")
    )
    for p in points:
        row = out.get(p.debtor_id)
        if row is None:
            continue
        if p.kind == ContactKind.PHONE and not row["phone"]:
            row["phone"] = "".join(c for c in p.value if c.isdigit())[-10:]
        elif p.kind == ContactKind.ADDRESS and row["address"] is None:
            row["address"] = {
                "line1": p.line1 or p.value,
                "line2": p.line2,
                "city": p.city,
                "state": p.state,
                "postal_code": "".join(c for c in p.postal_code if c.isdigit()),
                "country": p.country or "US",
            }
    return out
