from enum import StrEnum


class NightlyError(StrEnum):
    """What a nightly run records for a failure that is not an `ArrearsError` of its own."""

    STEP_FAILED = "NIGHTLY_STEP_FAILED"
    ACCOUNT_FAILED = "NIGHTLY_ACCOUNT_FAILED"
    INTERRUPTED = "NIGHTLY_INTERRUPTED"


class RetentionError(StrEnum):
    DEBTOR_NOT_FOUND = "RETENTION_DEBTOR_NOT_FOUND"
    LAW_UNKNOWN = "RETENTION_LAW_UNKNOWN"
