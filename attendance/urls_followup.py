from django.urls import path

from .views import documents as views

app_name = "attendance_followup"

urlpatterns = [
    path("", views.space, name="space"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path(
        "<str:reference>/etat-de-presence/<int:year>-<int:month>/",
        views.statement,
        name="statement",
    ),
]
