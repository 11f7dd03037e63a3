from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from arrears.api.v1 import api as api_v1

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("compliance/", include("arrears.compliance.urls")),
    path("contact/", include("arrears.contact.urls")),
    path("imports/", include("arrears.imports.urls")),
    path("payments/", include("arrears.payments.urls")),
    path("documents/", include("arrears.documents.urls")),
    path("", include("arrears.scoring.urls")),  # /queue/ and /scoring/…
    path("strategies/", include("arrears.strategies.urls")),
    path("portal/", include("arrears.portal.urls")),
    path("reports/", include("arrears.reports.urls")),
    path("api/v1/", api_v1.urls),
    path("manage/api/", include("arrears.api.urls")),
    path("", include("arrears.workbench.urls")),
]
