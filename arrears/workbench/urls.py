from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("accounts/<int:pk>/notes/", views.note_add, name="note_add"),
]
