from enum import StrEnum


class ComplianceError(StrEnum):
    HOLD_TARGET_REQUIRED = "compliance.hold_target_required"
    HOLD_NEEDS_ACCOUNT = "compliance.hold_needs_account"
    HOLD_KIND_INVALID = "compliance.hold_kind_invalid"
    HOLD_ALREADY_LIFTED = "compliance.hold_already_lifted"
    HOLD_NOT_FOUND = "compliance.hold_not_found"
    OVERRIDE_FORBIDDEN = "compliance.override_forbidden"
    INVALID_FACTS = "compliance.invalid_facts"
    NO_DEBTOR = "compliance.no_debtor"
    NO_ITEMIZATION_DATE = "compliance.no_itemization_date"
    ITEMIZATION_UNBALANCED = "compliance.itemization_unbalanced"
    INVALID_CHANNEL = "compliance.invalid_channel"
