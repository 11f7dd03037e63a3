from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "arrears.ledger"
    label = "ledger"
