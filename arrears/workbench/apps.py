from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "arrears.workbench"
    label = "workbench"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_zone_at_login

        user_logged_in.connect(remember_zone_at_login, dispatch_uid="arrears.workbench.zone_at_login")
