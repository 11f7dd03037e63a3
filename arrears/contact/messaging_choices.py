"""Choices for templates, the outbox, letters and inbound messages."""

from django.db import models


class TemplateChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    LETTER = "letter", "Letter"
    VOICEMAIL = "voicemail", "Voicemail script"
    MESSAGING = "messaging", "Messaging app (private message)"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # The compliance gate refused it at send time: held with its reasons, re-checked when allowed.
    BLOCKED = "blocked", "Blocked (held)"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    # Blocked and the sender did not ask for it to go out once allowed: never sent.
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = frozenset({MessageStatus.PENDING, MessageStatus.BLOCKED, MessageStatus.SENDING})


class LetterBatchStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"


class InboundKind(models.TextChoices):
    STOP = "stop", "Stop (opt-out)"
    START = "start", "Start (opt back in)"
    MESSAGE = "message", "Message"


class CollectorTaskKind(models.TextChoices):
    INBOUND_MESSAGE = "inbound_message", "Reply to an inbound message"
    DELIVERY_UNCERTAIN = "delivery_uncertain", "Check a message whose delivery is uncertain"
