"""Content rules a template must pass before it can be saved. Pure: no ORM, no clock, no I/O.

Each rule returns ``None`` or a ``ContentProblem`` with a stable code and the regulation it enforces.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .messaging_errors import MessagingError

# GSM 03.38: the basic character set (one septet each) and the extension table (escape + one septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# Per segment: a single message, or a part of a concatenated one (the UDH takes 6 octets).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_size(text: str) -> SmsSize:
    """How many segments a text takes: GSM-7 if every character is in the GSM alphabet, else UCS-2."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # characters beyond the BMP take two units
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    if units == 0:
        return SmsSize(encoding, 0, 0)
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsSize(encoding, units, segments)


@dataclass(frozen=True, slots=True)
class ContentProblem:
    code: str
    citation: str
    message: str


SMS_OPT_OUT = re.compile(r"\b(reply|text|send|respond)\b[^.\n]{0,30}\bSTOP\b", re.IGNORECASE)
EMAIL_OPT_OUT = re.compile(r"\{\{\s*unsubscribe_url\s*(\|[^}]*)?\}\}")
DISCLOSURE = re.compile(r"\bdebt\s+collector\b", re.IGNORECASE)
DISCLOSURE_VARIABLE = re.compile(r"\{\{\s*debt_collector_disclosure\s*\}\}")
VARIABLE = re.compile(r"\{\{\s*([a-zA-Z_][\w.]*)")
TAG = re.compile(r"\{%\s*(\w+)")

# 1006.2(j): a limited-content message may name the business (not indicating debt collection), ask the
# consumer to reply, name people to contact, give a phone number, and may add a salutation, the date and
# time, a generic statement that it relates to an account, suggested reply times, and an opt-out.
VOICEMAIL_VARIABLES = frozenset(
    {"business_name", "caller_name", "callback_number", "debtor.first_name", "debtor.last_name",
     "debtor.name", "today"}
)  # fmt: skip
VOICEMAIL_FORBIDDEN = re.compile(
    r"\b(debts?|collect\w*|owe[sd]?|owing|overdue|past[ -]due|balances?|payments?|pay|paid|creditors?|"
    r"lawsuits?|sue|court|credit\s+report\w*|delinquen\w*|arrears)\b|\$",
    re.IGNORECASE,
)
CALLBACK_REQUEST = re.compile(r"\b(call|reply|return|contact|reach)\b", re.IGNORECASE)


def opt_out_problem(*, channel: str, body: str) -> ContentProblem | None:
    """1006.6(e): every email and text carries a clear, simple way to opt out of that medium."""
    if channel == "email" and not EMAIL_OPT_OUT.search(body):
        return ContentProblem(
            MessagingError.TEMPLATE_NO_OPT_OUT,
            "12 CFR 1006.6(e)",
            "An email must show the opt-out link: put {{ unsubscribe_url }} in the body.",
        )
    if channel in ("sms", "messaging") and not SMS_OPT_OUT.search(body):
        return ContentProblem(
            MessagingError.TEMPLATE_NO_OPT_OUT,
            "12 CFR 1006.6(e)",
            "A text must say how to opt out, for example 'Reply STOP to opt out'.",
        )
    return None


def disclosure_problem(
    *, channel: str, body: str, third_party: bool, rendered: str | None = None
) -> ContentProblem | None:
    """1006.18(e): a debt collector discloses in every communication that it is a debt collector.

    The words, or ``{{ debt_collector_disclosure }}``, must be in the template and in what it renders.
    A voicemail is a limited-content message instead (1006.2(j)), so it is exempt here.
    """
    if not third_party or channel == "voicemail":
        return None
    in_source = DISCLOSURE.search(body) or DISCLOSURE_VARIABLE.search(body)
    if in_source and DISCLOSURE.search(body if rendered is None else rendered):
        return None
    return ContentProblem(
        MessagingError.TEMPLATE_NO_DISCLOSURE,
        "12 CFR 1006.18(e)",
        "A third-party collector's message must say that it is from a debt collector.",
    )


def segment_problem(*, rendered: str, limit: int) -> ContentProblem | None:
    size = sms_size(rendered)
    if size.segments <= limit:
        return None
    return ContentProblem(
        MessagingError.TEMPLATE_TOO_MANY_SEGMENTS,
        "SMS_SEGMENT_LIMIT",
        f"The text takes {size.segments} {size.encoding} segments ({size.units} units); the limit is "
        f"{limit}.",
    )


def voicemail_problem(*, body: str) -> ContentProblem | None:
    """1006.2(j): a voicemail script may only be a limited-content message."""
    citation = "12 CFR 1006.2(j)"
    stray = sorted({v for v in VARIABLE.findall(body) if v not in VOICEMAIL_VARIABLES})
    if stray:
        return ContentProblem(
            MessagingError.TEMPLATE_NOT_LIMITED_CONTENT,
            citation,
            f"A limited-content message may not use {', '.join(stray)}; allowed: "
            f"{', '.join(sorted(VOICEMAIL_VARIABLES))}.",
        )
    if TAG.search(body):
        return ContentProblem(
            MessagingError.TEMPLATE_NOT_LIMITED_CONTENT,
            citation,
            "A voicemail script takes no template tags.",
        )
    text = VARIABLE.sub("", body)
    if match := VOICEMAIL_FORBIDDEN.search(text):
        return ContentProblem(
            MessagingError.TEMPLATE_NOT_LIMITED_CONTENT,
            citation,
            f"{match.group(0)!r} would reveal the debt; a limited-content message may not mention it.",
        )
    if "callback_number" not in VARIABLE.findall(body) or not CALLBACK_REQUEST.search(text):
        return ContentProblem(
            MessagingError.TEMPLATE_NOT_LIMITED_CONTENT,
            citation,
            "A limited-content message asks the consumer to reply and gives {{ callback_number }}.",
        )
    return None


def template_problems(
    *, channel: str, subject: str, body: str, rendered: str, third_party: bool, segment_limit: int
) -> list[ContentProblem]:
    """Every content rule the template breaks, in a stable order (empty: it may be saved)."""
    problems: list[ContentProblem | None] = []
    if channel == "voicemail":
        problems.append(voicemail_problem(body=body))
    else:
        problems.append(opt_out_problem(channel=channel, body=body))
        problems.append(
            disclosure_problem(
                channel=channel, body=f"{subject}\n{body}", third_party=third_party, rendered=rendered
            )
        )
    if channel == "sms":
        problems.append(segment_problem(rendered=rendered, limit=segment_limit))
    if channel == "email" and not subject.strip():
        problems.append(
            ContentProblem(MessagingError.TEMPLATE_NEEDS_SUBJECT, "RFC 5322", "An email needs a subject.")
        )
    return [p for p in problems if p is not None]


REVEALING = re.compile(
    r"\b(debts?|collect\w*|recover\w*|arrears|owe[sd]?|overdue|past[ -]due|delinquen\w*|balance)\b",
    re.IGNORECASE,
)


def reveals_debt_collection(text: str) -> bool:
    """1006.22(f)(5): an envelope may not show language or symbols that indicate debt collection."""
    return bool(REVEALING.search(text))
