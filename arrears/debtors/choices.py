from django.db import models


class DebtorKind(models.TextChoices):
    PERSON = "person", "Person"
    COMPANY = "company", "Company"


class ContactKind(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    ADDRESS = "address", "Postal address"


class ContactLabel(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    PERSONAL = "personal", "Personal"
    OTHER = "other", "Other"


class ContactStatus(models.TextChoices):
    VALID = "valid", "Valid"
    UNVERIFIED = "unverified", "Unverified"
    INVALID = "invalid", "Invalid"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    WRONG_PARTY = "wrong_party", "Wrong party"


class Channel(models.TextChoices):
    CALL = "call", "Call"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    VOICEMAIL = "voicemail", "Voicemail"
    VISIT = "visit", "Visit"


class ConsentKind(models.TextChoices):
    CONSENT = "consent", "Consent to contact"
    OPT_OUT = "opt_out", "Opt-out"


class DoNotContactReason(models.TextChoices):
    REQUESTED = "requested", "Debtor asked not to be contacted"
    DECEASED = "deceased", "Deceased"
    FRAUD = "fraud", "Identity theft or fraud claim"
    LEGAL = "legal", "Legal instruction"
    OTHER = "other", "Other"


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    MERGED = "merged", "Merged"
    DISMISSED = "dismissed", "Not the same debtor"
