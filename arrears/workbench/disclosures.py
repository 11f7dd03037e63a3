"""Compliance in words for the collector: a decision's blocks, warnings and required disclosures, each
as a sentence to act on, and a required disclosure as the words to say rather than its code.

Pure: the decision is the JSON shape of ``compliance.scenario.decision_to_json`` (reasons with an
effect, requirements with a code), and the organization's and creditor's names are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The words a collector says (or a message carries) to meet each requirement, keyed by its code. The
# wording follows the rule it meets; {organization} and {creditor} are filled in per account.
SCRIPTS: dict[str, str] = {
    # 12 CFR 1006.18(e)(1)-(2): the initial communication says the collector is attempting to collect
    # a debt and any information obtained will be used for that purpose; later ones say it is from a
    # debt collector.
    "MINI_MIRANDA": (
        "This is {organization}. This is a communication from a debt collector. This is an attempt to "
        "collect a debt, and any information obtained will be used for that purpose."
    ),
    # 12 CFR 1006.6(e): a clear way to opt out of electronic messages.
    "ELECTRONIC_OPT_OUT_NOTICE": (
        "If you do not want to receive these messages, reply STOP or use the unsubscribe link."
    ),
    # The states' time-barred disclosures share this sense: the debt is too old to sue on.
    "TIME_BARRED_DISCLOSURE": (
        "The law limits how long you can be sued on a debt. Because of the age of your debt, "
        "{creditor} cannot sue you for it."
    ),
    # 12 CFR 1006.2(j): a voicemail that is a limited-content message says only these things.
    "LIMITED_CONTENT_MESSAGE": (
        "This is a message for [debtor's name]. Please call [your name] at {organization} about a "
        "business matter."
    ),
    "VALIDATION_INFORMATION": (
        "Send the validation notice (Model Form B-1): use the Validation notice download on this page."
    ),
}


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # "block", "warn" or "say"
    text: str  # the sentence to act on
    code: str  # kept for the audit and a hover, never the only thing shown
    citation: str


@dataclass(frozen=True, slots=True)
class InWords:
    allowed: bool
    blocks: tuple[Line, ...]
    warnings: tuple[Line, ...]
    say: tuple[Line, ...]


def in_words(decision: Mapping[str, Any], *, organization: str, creditor: str) -> InWords:
    """The decision as blocks (do not contact), warnings (take care) and the words to say."""
    reasons: Iterable[Mapping[str, Any]] = decision.get("reasons") or ()
    blocks, warnings = [], []
    for r in reasons:
        line = Line(
            str(r.get("effect", "")),
            str(r.get("message", "")),
            str(r.get("code", "")),
            str(r.get("citation", "")),
        )
        (blocks if line.kind == "block" else warnings).append(line)
    say = tuple(
        Line(
            "say",
            SCRIPTS.get(str(q.get("code")), str(q.get("message", ""))).format(
                organization=organization, creditor=creditor
            ),
            str(q.get("code", "")),
            str(q.get("citation", "")),
        )
        for q in decision.get("requirements") or ()
    )
    return InWords(bool(decision.get("allowed")), tuple(blocks), tuple(warnings), say)
