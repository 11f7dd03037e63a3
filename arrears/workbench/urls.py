from django.urls import include, path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("accounts/<int:pk>/notes/", views.note_add, name="note_add"),
    path("accounts/<int:pk>/call/", views.call_form, name="call_form"),
    path("accounts/<int:pk>/call/log/", views.call_log_view, name="call_log"),
]

urlpatterns += [path("manage/", include("arrears.workbench.manage.urls"))]
