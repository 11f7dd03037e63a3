from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "arrears.tenancy"
    label = "tenancy"
