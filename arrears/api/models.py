from django.db import models

from arrears.core.models import OrgScoped

from .choices import DeliveryStatus, IdempotencyState


class ApiToken(OrgScoped):
    """A bearer token of an organization, or of one of its clients. Only a keyed hash of the secret is
    kept; the prefix (public) finds the row."""

    client = models.ForeignKey(
        "tenancy.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class IdempotencyKey(OrgScoped):
    """One `Idempotency-Key` of an organization: the request it was first used for, and its response."""

    key = models.CharField(max_length=255)
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=IdempotencyState.choices, default=IdempotencyState.IN_FLIGHT
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(OrgScoped):
    """A URL that receives the organization's events. Its secret is stored encrypted (it signs); during a
    rotation the previous secret keeps signing until `previous_expires_at`."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.TextField()
    previous_secret = models.TextField(blank=True)
    previous_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # The last audit event (its per-organization seq) this endpoint has been given deliveries up to.
    cursor_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(OrgScoped):
    """One event for one endpoint, retried until it is delivered or its 72 hours are over."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id", "event_type"], name="api_delivery_unique")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"


class WebhookAttempt(OrgScoped):
    """The log: one row per try of a delivery."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
