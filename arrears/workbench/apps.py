from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "arrears.workbench"
    label = "workbench"
