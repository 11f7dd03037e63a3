from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "arrears.workbench"
    label = "workbench"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_zone_at_login

        user_logged_in.connect(remember_zone_at_login, dispatch_uid="arrears.workbench.zone_at_login")

        from allauth.mfa.signals import authentication_failed, authenticator_added

        from .signin import clear_mfa_enrolment, flag_mfa_enrolment, record_mfa_failure

        user_logged_in.connect(flag_mfa_enrolment, dispatch_uid="arrears.workbench.mfa_at_login")
        authenticator_added.connect(clear_mfa_enrolment, dispatch_uid="arrears.workbench.mfa_added")
        authentication_failed.connect(record_mfa_failure, dispatch_uid="arrears.workbench.mfa_failed")
