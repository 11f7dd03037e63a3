"""The evidence packet: everything a court needs to see that an account was worked lawfully, as one PDF.

What it proves, and how, is in docs/evidence.md. The packet is reproducible: the same data gives the
same content; only the generation time differs (and with the same `generated_at`, the same bytes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string

from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import debtors_for_account
from arrears.audit.events import Event
from arrears.audit.selectors import ChainReport, audit_chain_verify
from arrears.audit.services import audit_record
from arrears.core.errors import ArrearsError
from arrears.ledger.selectors import ledger_balances
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .timeline import account_timeline

if TYPE_CHECKING:
    from arrears.accounts.models import Account

CONTACT_KINDS = frozenset({"call", "voicemail", "sms", "email", "letter", "visit"})


@dataclass(frozen=True, slots=True)
class Packet:
    pdf: bytes
    content: dict[str, Any]
    fingerprint: str  # SHA-256 of the canonical content, generation time excluded


def _file_check(document: Any) -> dict[str, Any]:
    """Hash the stored bytes now and compare with the hash taken at upload."""
    digest = hashlib.sha256()
    try:
        with document.file.open("rb") as handle:
            while chunk := handle.read(1 << 16):
                digest.update(chunk)
        actual = digest.hexdigest()
    except OSError as exc:
        actual = f"unreadable: {exc}"
    return {
        "id": document.pk,
        "kind": document.get_kind_display(),
        "name": document.original_name,
        "uploaded_at": document.uploaded_at,
        "size": document.size,
        "sha256": actual,
        "recorded_sha256": document.sha256,
        "intact": actual == document.sha256,
    }


def _local_times(at: datetime, zones: tuple[str, ...]) -> list[str]:
    return [f"{at.astimezone(ZoneInfo(z)):%Y-%m-%d %H:%M %Z} ({z})" for z in zones]


def evidence_content(
    *, principal: Principal, account: Account, chain: ChainReport | None = None
) -> dict[str, Any]:
    """The packet's facts, as plain data (also what the fingerprint is taken over)."""
    from arrears.compliance.notices import account_itemization
    from arrears.compliance.selectors import facts_base, validation_notices_for_account
    from arrears.compliance.zones import candidate_zones
    from arrears.documents.selectors import document_list

    if account.organization_id != principal.organization_id:
        raise ArrearsError(AccountError.NOT_FOUND, f"no account {account.pk}")
    org = organization_get(organization_id=account.organization_id)
    debtors = debtors_for_account(principal=principal, account=account)
    timeline = account_timeline(principal=principal, account=account)
    base = facts_base(account=account, at=timeline[0].at if timeline else account.created_at)
    zones, location_known = candidate_zones(base.facts.consumer)
    try:
        item = account_itemization(account=account)
        itemization: dict[str, Any] | None = {
            "date": item.itemization_date,
            "on_itemization_date": item.amount_on_itemization_date,
            "interest": item.interest,
            "fees": item.fees,
            "payments": item.payments,
            "credits": item.credits,
            "current": item.current,
            "balances": item.balances,
        }
    except ArrearsError as exc:
        itemization = {"error": exc.message}
    notices = [
        {
            "provided_on": n.provided_on,
            "assumed_receipt_on": n.assumed_receipt_on,
            "ends_on": n.ends_on,
            "sha256": hashlib.sha256(n.document.open("rb").read()).hexdigest() if n.document else "",
        }
        for n in validation_notices_for_account(principal=principal, account=account)
    ]
    contacts: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for entry in sorted(timeline, key=lambda i: (i.at, i.ref)):  # oldest first reads best in court
        row = {
            "at": entry.at,
            "local": _local_times(entry.at, zones),
            "kind": entry.kind,
            "title": entry.title,
            "detail": entry.detail,
            "actor": entry.actor,
            "decision": entry.decision,
            "ref": entry.ref,
            "recordings": entry.extra.get("recordings", []),
        }
        (contacts if entry.kind in CONTACT_KINDS else others).append(row)
    chain = chain or audit_chain_verify(organization_id=org.pk)
    return {
        "organization": {"name": org.legal_name or org.name, "address": org.address, "phone": org.phone},
        "account": {
            "reference": account.reference,
            "client": account.client.name,
            "status": account.get_status_display(),
            "original_creditor": account.original_creditor,
            "current_creditor": account.current_creditor,
            "debt_type": account.get_debt_type_display(),
            "currency": account.currency,
            "opened_on": account.opened_on,
            "delinquent_since": account.delinquent_since,
            "charged_off_on": account.charged_off_on,
            "last_payment_on": account.last_payment_on,
            "jurisdiction": f"{account.jurisdiction_country}-{account.jurisdiction_state}".rstrip("-"),
            "balances": {k: v for k, v in ledger_balances(account=account).items()},
        },
        "debtors": [
            {
                "role": role,
                "name": d.display_name,
                "national_id": d.national_id_masked,
                "contact_points": [
                    f"{cp.get_kind_display()} ({cp.label}): {cp.value}" for cp in d.contact_points.all()
                ],
            }
            for role, d in debtors
        ],
        "zones": {"candidates": list(zones), "location_known": location_known},
        "itemization": itemization,
        "validation_notices": notices,
        "contacts": contacts,
        "other_events": others,
        "documents": [_file_check(d) for d in document_list(principal=principal, account_id=account.pk)],
        # Whether the chain holds is content; how many events it had is generation metadata (producing a
        # packet is itself audited, so the count grows by one with every packet).
        "audit_chain": {
            "ok": chain.ok,
            "first_break": {"seq": chain.first_break.seq, "reason": chain.first_break.reason}
            if chain.first_break
            else None,
        },
    }


def fingerprint(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def render_packet(content: dict[str, Any], *, generated_at: datetime, events_checked: int) -> bytes:
    """The PDF for some content. Pure in its inputs: the same arguments give the same bytes."""
    from weasyprint import HTML

    html = render_to_string(
        "reports/evidence.html",
        {
            "c": content,
            "generated_at": generated_at,
            "fingerprint": fingerprint(content),
            "events_checked": events_checked,
        },
    )
    return bytes(HTML(string=html).write_pdf())


def evidence_packet(*, principal: Principal, account: Account, generated_at: datetime) -> Packet:
    """Render the packet to PDF and record on the audit log that it was produced."""
    chain = audit_chain_verify(organization_id=account.organization_id)
    content = evidence_content(principal=principal, account=account, chain=chain)
    digest = fingerprint(content)
    pdf = render_packet(content, generated_at=generated_at, events_checked=chain.checked)
    audit_record(
        actor=principal,
        event=Event.EVIDENCE_PACKET_GENERATED,
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={"fingerprint": digest, "audit_chain_ok": content["audit_chain"]["ok"]},
    )
    return Packet(pdf=pdf, content=content, fingerprint=digest)
