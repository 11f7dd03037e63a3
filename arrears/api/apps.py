from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "arrears.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from arrears.strategies.scheduler import jobs_register

        from .scheduling import api_jobs

        jobs_register(api_jobs)
