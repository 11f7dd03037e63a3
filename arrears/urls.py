from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from arrears.api.v1 import api as api_v1
from arrears.workbench import signin

# Sign-in (django-allauth, docs/security.md): only the parts Arrears uses. Nobody signs up, and
# passwords are reset by an admin, so allauth's signup, email and password-reset pages are not routed.
sign_in = [
    path("logout/", account_views.logout, name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/login/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("oidc/<str:provider_id>/login/", signin.sso_login, name="openid_connect_login"),
    path("oidc/<str:provider_id>/login/callback/", oidc_views.callback, name="openid_connect_callback"),
]

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/", signin.SignInView.as_view(), name="account_login"),  # the name allauth redirects to
    path("login/sso/", signin.sso_start, name="sso_start"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("auth/", include(sign_in)),
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
