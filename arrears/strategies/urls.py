from django.urls import path

from . import views

app_name = "strategies"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/", views.runs, name="runs"),
    path("new/", views.edit, name="new"),
    path("s/<slug:name>/", views.edit, name="edit"),
    path("experiments/new/", views.experiment_new, name="experiment_new"),
    path("experiments/<slug:name>/", views.experiment, name="experiment"),
    path("schedule/", views.schedule, name="schedule"),
]
