from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "arrears.portal"
    label = "portal"
    verbose_name = "Portals"
