from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
]
