from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo portfolio and `arrears demo`: the top of the stack, since seeding uses every app."""

    name = "arrears.demo"
    label = "demo"
