from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("accounts/<int:account_pk>/", views.account_documents, name="account_documents"),
    path("accounts/<int:account_pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/file/", views.download, name="download"),
    path("<int:pk>/share/", views.share, name="share"),
]
