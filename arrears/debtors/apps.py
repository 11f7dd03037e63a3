from django.apps import AppConfig


class DebtorsConfig(AppConfig):
    name = "arrears.debtors"
    label = "debtors"
