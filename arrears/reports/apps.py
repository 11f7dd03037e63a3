from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read models across the apps below it: the account timeline and the evidence packet."""

    name = "arrears.reports"
    label = "reports"
