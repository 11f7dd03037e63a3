from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("accounts/<int:pk>/contact-now/", views.contact_now, name="contact_now"),
    path("accounts/<int:pk>/holds/", views.holds, name="holds"),
    path("accounts/<int:pk>/holds/<int:hold_pk>/lift/", views.hold_lift_view, name="hold_lift"),
]
