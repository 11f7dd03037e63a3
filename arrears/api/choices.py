from django.db import models


class Resource(models.TextChoices):
    """What a token's scopes name: `RESOURCE:read` or `RESOURCE:write` (write implies read)."""

    ACCOUNTS = "accounts", "Accounts"
    PAYMENTS = "payments", "Payments"
    COMPLIANCE = "compliance", "Compliance decisions"
    PROMISES = "promises", "Promises to pay"
    PLANS = "plans", "Payment plans"
    SETTLEMENTS = "settlements", "Settlements"
    HOLDS = "holds", "Holds and disputes"
    DEBTORS = "debtors", "Debtors, contact points, consents and opt-outs"
    ATTEMPTS = "attempts", "Contact attempts and calls (with recordings)"
    MESSAGES = "messages", "Messages from templates, and their delivery"
    DOCUMENTS = "documents", "Documents"
    IMPORTS = "imports", "Account imports"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"


class IdempotencyState(models.TextChoices):
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"
