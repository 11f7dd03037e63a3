from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.org_dashboard, name="org"),
    path("client/<int:client_id>/", views.client_dashboard, name="client"),
    path("collector/<int:user_id>/", views.collector_dashboard, name="collector"),
    path("accounts/", views.drill_accounts, name="accounts"),
    path("payments/", views.drill_payments, name="payments"),
    path("layout/", views.layout_save, name="layout"),
    path("notifications/", views.notifications, name="notifications"),
]
