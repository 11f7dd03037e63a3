from django.db import models

from arrears.core.models import OrgScoped, TimeStamped

from .messaging_choices import (
    CollectorTaskKind,
    InboundKind,
    LetterBatchStatus,
    MessageStatus,
    TemplateChannel,
)

# --- templates, outbox, letters and inbound messages (issue 7) -------------------------------------------


class MessageTemplate(OrgScoped, TimeStamped):
    """A message template for one channel, organization and language. Saving a change adds a version;
    a sent message keeps the version it was rendered from. Only ``contact.messaging.template_save``
    writes these, after the content rules passed."""

    key = models.SlugField(max_length=60)
    channel = models.CharField(max_length=10, choices=TemplateChannel.choices)
    language = models.CharField(max_length=10, default="en")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    active = models.BooleanField(default=True)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key", "channel", "language", "version"],
                name="message_template_version_unique",
            )
        ]
        indexes = [models.Index(fields=["organization", "key", "channel", "language", "-version"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.channel}, {self.language}) v{self.version}"


class OrganizationBranding(TimeStamped):
    """Letterhead: logo, colours, and the neutral name printed in the envelope's return window."""

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, primary_key=True, related_name="branding"
    )
    logo = models.FileField(upload_to="branding/", blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f3a5f")
    accent_colour = models.CharField(max_length=7, default="#6b7c93")
    # 1006.22(f)(5): the business name on an envelope must not indicate debt collection.
    envelope_name = models.CharField(max_length=200, blank=True)
    return_address = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"branding of {self.organization_id}"


class LetterBatch(OrgScoped, TimeStamped):
    """Letters printed together: one PDF for the print vendor and a manifest CSV, written once."""

    status = models.CharField(
        max_length=10, choices=LetterBatchStatus.choices, default=LetterBatchStatus.OPEN
    )
    letter_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    print_file = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    manifest = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by_label = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"letter batch {self.pk} ({self.status}, {self.letter_count} letters)"


class OutboundMessage(OrgScoped, TimeStamped):
    """One message in the outbox, from ``pending`` to ``sent``/``delivered`` (or held, failed, bounced).

    Created in the transaction that decided to send it; ``contact.tasks.message_deliver_task`` delivers
    it after passing the compliance gate again at send time.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="outbound_messages")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="outbound_messages"
    )
    contact_point = models.ForeignKey(
        "debtors.ContactPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=TemplateChannel.choices)
    purpose = models.CharField(max_length=30, default="collection")
    target = models.CharField(max_length=320)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    # Sent to the provider with the message (Message-ID, Twilio lookup) so a retry finds a send that
    # happened before a crash instead of sending again.
    idempotency_key = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The gate's reasons while held, and whether to send once allowed (otherwise it is cancelled).
    held_reasons = models.JSONField(default=list, blank=True)
    release_when_allowed = models.BooleanField(default=False)
    decision = models.ForeignKey(
        "compliance.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempt = models.ForeignKey(
        "attempts.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_batch = models.ForeignKey(
        LetterBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    # The provider could not tell whether a send interrupted by a crash went out (plain SMTP).
    delivery_uncertain = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "next_attempt_at"]),
            models.Index(fields=["debtor", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} message {self.pk} to {self.target} ({self.status})"


class InboundMessage(OrgScoped, TimeStamped):
    """A text (or email) the debtor sent us, kept as received. The provider id makes webhooks idempotent."""

    channel = models.CharField(max_length=10, choices=TemplateChannel.choices)
    provider_message_id = models.CharField(max_length=200, unique=True)
    sender = models.CharField(max_length=320)
    recipient = models.CharField(max_length=320, blank=True)
    body = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=InboundKind.choices)
    received_at = models.DateTimeField()
    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_messages"
    )
    contact_point = models.ForeignKey(
        "debtors.ContactPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.ForeignKey(
        "attempts.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"inbound {self.channel} from {self.sender} ({self.kind})"


class CollectorTask(OrgScoped, TimeStamped):
    """Something a collector must look at: an inbound text to answer, a delivery to check."""

    kind = models.CharField(max_length=20, choices=CollectorTaskKind.choices)
    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inbound = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "done_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'done' if self.done_at else 'open'})"
