from django.urls import path

from . import oversight, views

app_name = "manage"

urlpatterns = [
    path("", views.home, name="home"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/check/", views.template_check_view, name="template_check"),
    path("templates/preview/", views.template_preview_view, name="template_preview"),
    path("settlements/", views.settlement_list, name="settlements"),
    path("settlements/<int:pk>/decide/", views.settlement_decide, name="settlement_decide"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation/<int:pk>/", views.bank_line_decide, name="bank_line_decide"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<int:user_id>/role/", views.role_set, name="role_set"),
    path("people/<int:user_id>/team/", views.member_team_set, name="member_team_set"),
    path("teams/new/", views.team_new, name="team_new"),
    path("join/<str:token>/", views.join, name="join"),
    path("audit/", views.audit_log, name="audit"),
    path("settings/", views.organization_settings, name="settings"),
    path("settings/logo/", views.logo, name="logo"),
    path("settings/sso/", views.sso_settings, name="sso"),
    path("outbox/", oversight.outbox, name="outbox"),
    path("letters/", oversight.letters, name="letters"),
    path("letters/batch/", oversight.letter_batch_new, name="letter_batch_new"),
    path("letters/<int:pk>/<str:part>/", oversight.letter_file, name="letter_file"),
    path("tasks/", oversight.tasks, name="tasks"),
    path("tasks/<int:pk>/done/", oversight.task_done, name="task_done"),
    path("clients/", oversight.clients, name="clients"),
    path("clients/<int:pk>/remittance/", oversight.remittance, name="remittance"),
    path("ach/", oversight.ach, name="ach"),
    path("ach/export/", oversight.ach_export_view, name="ach_export"),
    path("ach/returns/", oversight.ach_returns_view, name="ach_returns"),
]
