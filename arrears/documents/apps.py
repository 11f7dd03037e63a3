from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "arrears.documents"
    label = "documents"
