from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "arrears.audit"
    label = "audit"
