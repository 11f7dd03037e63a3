from django.urls import path

from . import views, webhooks

app_name = "contact"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("templates/<int:pk>/preview/", views.preview, name="template_preview"),
    path("twilio/<slug:org_slug>/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
    path("twilio/<slug:org_slug>/status/", webhooks.twilio_status, name="twilio_status"),
    path("email/<slug:org_slug>/bounce/", webhooks.email_bounce, name="email_bounce"),
]
