from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    """Work that spans the apps before it: the nightly run today; the scheduler, strategies and
    champion/challenger later."""

    name = "arrears.strategies"
    label = "strategies"
