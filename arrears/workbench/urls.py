from django.urls import include, path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("accounts/<int:pk>/notes/", views.note_add, name="note_add"),
    path("accounts/<int:pk>/call/", views.call_form, name="call_form"),
    path("accounts/<int:pk>/call/log/", views.call_log_view, name="call_log"),
    path("accounts/<int:pk>/contact-now/", views.contact_now, name="contact_now"),
    path("accounts/<int:pk>/status/", views.status_panel, name="status"),
    path("accounts/<int:pk>/money/", views.money_panel, name="money"),
    path("accounts/<int:pk>/promises/", views.promise_add, name="promise_add"),
    path("accounts/<int:pk>/plans/", views.plan_add, name="plan_add"),
    path("accounts/<int:pk>/settlements/", views.settlement_add, name="settlement_add"),
    path("accounts/<int:pk>/payments/", views.payment_add, name="payment_add"),
    path(
        "accounts/<int:pk>/payments/<int:payment_pk>/reverse/",
        views.payment_reverse_view,
        name="payment_reverse",
    ),
    path("accounts/<int:pk>/message/", views.message_panel, name="message"),
    path("accounts/<int:pk>/message/preview/", views.message_preview, name="message_preview"),
    path("accounts/<int:pk>/message/send/", views.message_send, name="message_send"),
    path("accounts/<int:pk>/evidence.pdf", views.evidence_download, name="evidence"),
    path(
        "accounts/<int:pk>/validation-notice.pdf", views.validation_notice_download, name="validation_notice"
    ),
]

urlpatterns += [path("manage/", include("arrears.workbench.manage.urls"))]
