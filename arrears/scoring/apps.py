from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """Propensity-to-pay models, the work queue's ranking and the cash-flow forecast."""

    name = "arrears.scoring"
    label = "scoring"
