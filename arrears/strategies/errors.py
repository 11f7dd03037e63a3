from enum import StrEnum


class NightlyError(StrEnum):
    """What a nightly run records for a failure that is not an `ArrearsError` of its own."""

    STEP_FAILED = "NIGHTLY_STEP_FAILED"
    ACCOUNT_FAILED = "NIGHTLY_ACCOUNT_FAILED"
    INTERRUPTED = "NIGHTLY_INTERRUPTED"
    ALREADY_RUNNING = "NIGHTLY_ALREADY_RUNNING"
    STRATEGY_FAILED = "NIGHTLY_STRATEGY_FAILED"


class StrategyError(StrEnum):
    INVALID = "STRATEGY_INVALID"
    NOT_FOUND = "STRATEGY_NOT_FOUND"
    FILE_UNREADABLE = "STRATEGY_FILE_UNREADABLE"


class ExperimentError(StrEnum):
    INVALID = "EXPERIMENT_INVALID"
    NOT_FOUND = "EXPERIMENT_NOT_FOUND"
    NAME_TAKEN = "EXPERIMENT_NAME_TAKEN"


class ScheduleError(StrEnum):
    INVALID = "SCHEDULE_INVALID"


class RetentionError(StrEnum):
    DEBTOR_NOT_FOUND = "RETENTION_DEBTOR_NOT_FOUND"
    LAW_UNKNOWN = "RETENTION_LAW_UNKNOWN"
