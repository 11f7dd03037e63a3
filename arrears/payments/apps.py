from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "arrears.payments"
    label = "payments"
