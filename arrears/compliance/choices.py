from django.db import models


class HoldKind(models.TextChoices):
    CEASE_COMMUNICATION = "cease_communication", "Cease communication"
    DISPUTE = "dispute", "Dispute"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    DECEASED = "deceased", "Deceased"
    ATTORNEY_REPRESENTED = "attorney_represented", "Attorney represented"
    EMPLOYER_PROHIBITS_CONTACT = "employer_prohibits_contact", "Employer prohibits contact"
    LITIGATION = "litigation", "Litigation"
    SCRA = "scra", "SCRA (servicemember)"


# The engine flag each hold raises. A dispute is not a flag: it sets the debt's dispute date instead.
HOLD_FLAGS: dict[str, str] = {
    HoldKind.CEASE_COMMUNICATION: "cease_communication",
    HoldKind.BANKRUPTCY: "bankruptcy",
    HoldKind.DECEASED: "deceased",
    HoldKind.ATTORNEY_REPRESENTED: "attorney_represented",
    HoldKind.EMPLOYER_PROHIBITS_CONTACT: "employer_prohibits_contact",
    HoldKind.LITIGATION: "litigation",
    HoldKind.SCRA: "scra",
}

# Holds that concern one debt, so they need an account.
ACCOUNT_ONLY_HOLDS = frozenset({HoldKind.DISPUTE, HoldKind.LITIGATION})


class LimitationKind(models.TextChoices):
    WRITTEN_CONTRACT = "written_contract", "Written contract"
    OPEN_ACCOUNT = "open_account", "Open account / credit card"
    PROMISSORY_NOTE = "promissory_note", "Promissory note"
    ORAL = "oral", "Oral contract"
