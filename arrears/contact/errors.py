from enum import StrEnum


class ContactError(StrEnum):
    NO_ACCOUNT = "CONTACT_NO_ACCOUNT"
    NOT_THE_DEBTORS_ACCOUNT = "CONTACT_NOT_THE_DEBTORS_ACCOUNT"
    INVALID_CHANNEL = "CONTACT_INVALID_CHANNEL"
    INVALID_OUTCOME = "CONTACT_INVALID_OUTCOME"
    BAD_PAYLOAD = "CONTACT_BAD_PAYLOAD"
    # The compliance gate refused an outbound contact: stored as blocked, with the decision's reasons.
    BLOCKED = "CONTACT_BLOCKED"
