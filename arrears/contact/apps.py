from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "arrears.contact"
    label = "contact"
