"""Telephone Consumer Protection Act (47 U.S.C. 227, 47 CFR 64.1200): texts need prior express consent."""

from __future__ import annotations

from datetime import datetime

from ..facts import Effect, Facts
from .base import Pack, Rule, always, resolve_phone


def no_sms_consent(facts: Facts, now: datetime) -> str | None:
    if facts.action.channel != "sms":
        return None
    phone, known = resolve_phone(facts)
    if phone is not None and phone.sms_consent:
        return None
    if not known:
        return "No target number was given and the consumer has several numbers: consent cannot be confirmed."
    return f"No consent to texts is recorded for {phone.number if phone else facts.action.target}."


PACK = Pack(
    name="TCPA (47 U.S.C. 227, 47 CFR 64.1200)",
    applies=always,
    rules=(Rule("NO_SMS_CONSENT", Effect.BLOCK, "47 U.S.C. 227(b); 12 CFR 1006.6(d)(4)", no_sms_consent),),
)
