from django.urls import path

from . import client_views, views

app_name = "portal"

urlpatterns = [
    # The creditor client's window comes first: an organization cannot take the slug "client".
    path("client/", client_views.home, name="client_home"),
    path("client/accounts/<int:pk>/", client_views.account, name="client_account"),
    path("client/accounts/<int:pk>/message/", client_views.message, name="client_message"),
    path("client/recall/", client_views.recall, name="client_recall"),
    path("client/remittance/", client_views.remittance, name="client_remittance"),
    path("client/upload/", client_views.upload, name="client_upload"),
    path("client/dashboard/", client_views.dashboard, name="client_dashboard"),
    path("client/dashboard/accounts/", client_views.drill, name="client_drill"),
    path("client/dashboard/payments/", client_views.drill_payments, name="client_payments"),
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/brand.css", views.brand_css, name="brand_css"),
    path("<slug:slug>/l/<str:token>/", views.link, name="link"),
    path("<slug:slug>/code/", views.code, name="code"),
    path("<slug:slug>/signout/", views.signout, name="signout"),
    path("<slug:slug>/home/", views.home, name="home"),
    path("<slug:slug>/accounts/<int:pk>/", views.account_detail, name="account"),
    path("<slug:slug>/accounts/<int:pk>/notice.pdf", views.notice_pdf, name="notice"),
    path("<slug:slug>/accounts/<int:pk>/documents/<int:document_pk>/", views.document, name="document"),
    path("<slug:slug>/accounts/<int:pk>/promise/", views.promise, name="promise"),
    path("<slug:slug>/accounts/<int:pk>/plan/", views.plan, name="plan"),
    path("<slug:slug>/accounts/<int:pk>/dispute/", views.dispute, name="dispute"),
    path("<slug:slug>/accounts/<int:pk>/settle/<int:settlement_pk>/", views.settle, name="settle"),
    path("<slug:slug>/pay/", views.pay, name="pay"),
    path("<slug:slug>/pay/next/", views.pay_next, name="pay_next"),
    path("<slug:slug>/preferences/", views.preferences, name="preferences"),
]
