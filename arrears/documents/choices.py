from django.db import models


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    STATEMENT = "statement", "Statement"
    CONTRACT = "contract", "Contract or agreement"
    JUDGMENT = "judgment", "Judgment"
    DISPUTE_LETTER = "dispute_letter", "Dispute letter"
    PROOF_OF_PAYMENT = "proof_of_payment", "Proof of payment"
    CORRESPONDENCE = "correspondence", "Correspondence"
    CALL_RECORDING = "call_recording", "Call recording"
    OTHER = "other", "Other"
