from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/errors.csv", views.errors_csv, name="errors_csv"),
    path("merges/", views.merge_review, name="merge_review"),
    path("merges/candidates/<int:pk>/", views.merge_decide, name="merge_decide"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
