from django.db import models


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Voicemail left"
    CONVERSATION = "conversation", "Conversation"
    BUSY = "busy", "Busy"
    NOT_IN_SERVICE = "not_in_service", "Not in service"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    # The compliance gate refused it: nothing was sent. Not history for the frequency rules.
    BLOCKED = "blocked", "Blocked by compliance"
