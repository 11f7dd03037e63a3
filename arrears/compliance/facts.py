"""The facts a compliance decision is made from, and what it returns. Pure: plain frozen dataclasses.

A scenario (``Facts``) is everything the rules may look at: who collects, what action is proposed, what
we know about the consumer and the debt, and the contact history. It is built from the database by
``compliance.selectors.decision_facts`` or parsed from JSON by ``compliance.scenario``; the rules never
know which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from .policy import DEFAULT_POLICY, Policy


class Effect(StrEnum):
    BLOCK = "block"
    WARN = "warn"


class CollectorType(StrEnum):
    THIRD_PARTY = "third_party"
    FIRST_PARTY = "first_party"


class ActionChannel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VOICEMAIL = "voicemail"
    VISIT = "visit"


class Purpose(StrEnum):
    COLLECTION = "collection"
    VALIDATION_NOTICE = "validation_notice"
    VERIFICATION = "verification"
    CEASE_CONFIRMATION = "cease_confirmation"
    REMEDY_NOTICE = "remedy_notice"
    OPTOUT_CONFIRMATION = "optout_confirmation"
    LAWSUIT = "lawsuit"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Outcome(StrEnum):
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    CONVERSATION = "conversation"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"


class Flag(StrEnum):
    CEASE_COMMUNICATION = "cease_communication"
    ATTORNEY_REPRESENTED = "attorney_represented"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    EMPLOYER_PROHIBITS_CONTACT = "employer_prohibits_contact"
    # Beyond the contract's list: holds that warn rather than block, and an explicit time-bar.
    LITIGATION = "litigation"
    SCRA = "scra"
    TIME_BARRED = "time_barred"


PHONE_KINDS = frozenset({"mobile", "home", "work", "personal", "other"})
EMAIL_KINDS = frozenset({"personal", "work", "other"})
ADDRESS_KINDS = frozenset({"home", "work", "other"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A telephone call under Reg F: a voicemail is left by placing a call.
CALL_CHANNELS = frozenset({ActionChannel.CALL, ActionChannel.VOICEMAIL})
# Channels that reach the consumer the moment they are sent, so the hour of sending matters.
# A letter is read whenever it arrives, so it is not timed.
TIMED_CHANNELS = frozenset(
    {ActionChannel.CALL, ActionChannel.VOICEMAIL, ActionChannel.SMS, ActionChannel.EMAIL, ActionChannel.VISIT}
)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    effect: Effect
    citation: str
    message: str


@dataclass(frozen=True, slots=True)
class Requirement:
    code: str
    citation: str
    message: str


@dataclass(frozen=True, slots=True)
class Address:
    country: str = "US"
    state: str = ""
    postal_code: str = ""
    kind: str = "home"
    line: str = ""


@dataclass(frozen=True, slots=True)
class Phone:
    number: str  # E.164
    kind: str = "mobile"
    sms_consent: bool = False
    # The time zones the number places the consumer in, as stored with the contact point when it was
    # written; None: work them out from the number.
    zones: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Email:
    address: str  # lower-cased
    kind: str = "personal"
    consented: bool = False
    used: bool = False  # the consumer has written to us from it


@dataclass(frozen=True, slots=True)
class Window:
    """A time the consumer said is inconvenient, in their local time. ``end`` may be 24:00 (1440 min)."""

    days: frozenset[int]  # 0 = Monday
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Consumer:
    timezone: str | None = None
    addresses: tuple[Address, ...] = ()
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    inconvenient_times: tuple[Window, ...] = ()
    flags: frozenset[str] = frozenset()
    opt_outs: frozenset[str] = frozenset()
    # Worked out on first use and kept, as the rules ask for them several times a decision: the US
    # states of the addresses, the candidate time zones (``compliance.zones.candidate_zones``) and the
    # hash (a dataclass hashes every field, nested, at every call). Memos: not compared or shown.
    _states: frozenset[str] | None = field(init=False, repr=False, compare=False, default=None)
    _zones: tuple[tuple[str, ...], bool] | None = field(init=False, repr=False, compare=False, default=None)
    _hash: int | None = field(init=False, repr=False, compare=False, default=None)

    def __hash__(self) -> int:
        found = self._hash
        if found is None:
            found = hash((self.timezone, self.addresses, self.phones, self.emails, self.inconvenient_times,
                          self.flags, self.opt_outs))  # fmt: skip
            object.__setattr__(self, "_hash", found)
        return found

    @property
    def states(self) -> frozenset[str]:
        """The US states of the consumer's addresses."""
        found = self._states
        if found is None:
            found = frozenset(
                a.state.upper() for a in self.addresses if a.state and a.country.upper() in ("", "US")
            )
            object.__setattr__(self, "_states", found)
        return found


@dataclass(frozen=True, slots=True)
class Debt:
    id: str
    type: str = "consumer"
    jurisdiction: str = ""  # "US-NY"
    flags: frozenset[str] = frozenset()
    first_communication_at: datetime | None = None
    validation_notice_sent_on: date | None = None
    validation_period_ends_on: date | None = None
    disputed_on: date | None = None
    dispute_written: bool = True
    verification_sent_on: date | None = None
    limitation_expires_on: date | None = None

    @property
    def state(self) -> str:
        country, _, state = self.jurisdiction.partition("-")
        return state.upper() if country.upper() == "US" else ""


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    channel: str
    direction: str = Direction.OUTBOUND
    outcome: str | None = None
    # None means "not stated": the attempt is taken to concern the debt being decided (conservative).
    debt_ids: tuple[str, ...] | None = None
    target: str | None = None

    def concerns(self, debt_id: str) -> bool:
        return self.debt_ids is None or debt_id in self.debt_ids


@dataclass(frozen=True, slots=True)
class Action:
    channel: str
    target: str | None = None
    purpose: str = Purpose.COLLECTION


@dataclass(frozen=True, slots=True)
class Facts:
    action: Action
    debt: Debt
    collector_type: str = CollectorType.THIRD_PARTY
    consumer: Consumer = field(default_factory=Consumer)
    history: tuple[Attempt, ...] = ()
    # The organization's own limits, stricter than the law (``compliance.policy``).
    policy: Policy = DEFAULT_POLICY

    @property
    def flags(self) -> frozenset[str]:
        """Consumer flags apply to every debt; debt flags to this one."""
        return self.consumer.flags | self.debt.flags

    @property
    def states(self) -> frozenset[str]:
        """US states whose law may apply: the debt's jurisdiction and every address of the consumer."""
        found = self.consumer.states
        state = self.debt.state
        return found if not state or state in found else found | {state}

    @property
    def third_party(self) -> bool:
        return self.collector_type == CollectorType.THIRD_PARTY


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reasons: tuple[Finding, ...]
    requirements: tuple[Requirement, ...]
    next_allowed_at: datetime | None
    zones: tuple[str, ...] = ()


def minute_of_day(value: time) -> int:
    return value.hour * 60 + value.minute
