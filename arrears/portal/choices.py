from django.db import models


class VerificationStep(models.TextChoices):
    """What one row of the verification log records; the throttles count these rows."""

    IDENTIFY_FAILED = "identify_failed", "Details did not match"
    IDENTIFIED = "identified", "Details matched"
    LINK_OPENED = "link_opened", "Signed link opened"
    CODE_SENT = "code_sent", "Code sent"
    CODE_FAILED = "code_failed", "Wrong code"
    VERIFIED = "verified", "Verified"
    LOCKED = "locked", "Locked after wrong codes"
