from django.urls import path

from . import schedule_views, views

app_name = "reports"

urlpatterns = [
    path("", views.org_dashboard, name="org"),
    path("client/<int:client_id>/", views.client_dashboard, name="client"),
    path("collector/<int:user_id>/", views.collector_dashboard, name="collector"),
    path("accounts/", views.drill_accounts, name="accounts"),
    path("payments/", views.drill_payments, name="payments"),
    path("layout/", views.layout_save, name="layout"),
    path("notifications/", views.notifications, name="notifications"),
    # scheduled reports and alert rules: managers only
    path("schedules/", schedule_views.schedule_list, name="schedules"),
    path("schedules/new/", schedule_views.schedule_edit, name="schedule_new"),
    path("schedules/<int:pk>/", schedule_views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/pause/", schedule_views.schedule_pause, name="schedule_pause"),
    path("schedules/<int:pk>/send/", schedule_views.schedule_send, name="schedule_send"),
    path("schedules/<int:pk>/delete/", schedule_views.schedule_delete, name="schedule_delete"),
    path("alerts/", schedule_views.alert_list, name="alerts"),
    path("alerts/new/", schedule_views.alert_edit, name="alert_new"),
    path("alerts/<int:pk>/", schedule_views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/pause/", schedule_views.alert_pause, name="alert_pause"),
    path("alerts/<int:pk>/delete/", schedule_views.alert_delete, name="alert_delete"),
]
