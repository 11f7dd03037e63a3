from django.apps import AppConfig


class AttemptsConfig(AppConfig):
    name = "arrears.attempts"
    label = "attempts"
