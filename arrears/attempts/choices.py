from django.db import models


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Voicemail left"
    CONVERSATION = "conversation", "Conversation"
    BUSY = "busy", "Busy"
    NOT_IN_SERVICE = "not_in_service", "Not in service"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    # Call outcomes a collector logs; for the frequency rules they are placed calls, and only a
    # right-party contact is a conversation with the consumer (see HISTORY_OUTCOME).
    WRONG_NUMBER = "wrong_number", "Wrong number"
    RIGHT_PARTY_CONTACT = "right_party_contact", "Right-party contact"
    THIRD_PARTY = "third_party", "Third party reached"
    # The compliance gate refused it: nothing was sent. Not history for the frequency rules.
    BLOCKED = "blocked", "Blocked by compliance"


# How a logged outcome counts for the compliance rules, which know only the outcomes of the evaluate
# contract. A conversation with someone other than the consumer is not a "telephone conversation with the
# person" (12 CFR 1006.14(b)(2)(i)(B)), but the call was placed, so it counts towards 7-in-7.
HISTORY_OUTCOME: dict[str, str] = {
    Outcome.RIGHT_PARTY_CONTACT: Outcome.CONVERSATION,
    Outcome.THIRD_PARTY: Outcome.NO_ANSWER,
    Outcome.WRONG_NUMBER: Outcome.NO_ANSWER,
}


class CallSource(models.TextChoices):
    """Why an account is waiting for a call."""

    STRATEGY = "strategy", "Strategy step"
    CALLBACK = "callback", "Callback promised"
    MANUAL = "manual", "Queued by staff"
