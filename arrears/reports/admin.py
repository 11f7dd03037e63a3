from django.contrib import admin

from .models import AlertRule, Notification, ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "organization_id", "client_id", "format", "frequency", "last_sent_on", "active")


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "organization_id", "kind", "kpi", "threshold", "period", "active")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "user", "organization_id", "created_at", "read_at")
