"""Mounted at the site root (arrears/urls.py): the work queue at /queue/, the rest under /scoring/."""

from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.next_account, name="next"),
    path("scoring/", views.queue, name="home"),
    path("scoring/model/", views.report, name="report"),
    path("scoring/model/report.pdf", views.report_pdf, name="report_pdf"),
    path("scoring/model/retrain/", views.retrain, name="retrain"),
    path("scoring/forecast/", views.forecast_view, name="forecast"),
]
