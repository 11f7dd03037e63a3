from enum import StrEnum


class ContactError(StrEnum):
    NO_ACCOUNT = "contact.no_account"
    NOT_THE_DEBTORS_ACCOUNT = "contact.not_the_debtors_account"
    INVALID_CHANNEL = "contact.invalid_channel"
    INVALID_OUTCOME = "contact.invalid_outcome"
