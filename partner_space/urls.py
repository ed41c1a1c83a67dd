from django.urls import path

from partner_space import views

app_name = "partners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("conventions/<str:reference>/", views.convention_detail, name="convention"),
    path("conventions/<str:reference>/pdf/", views.convention_pdf, name="convention_pdf"),
    path("conventions/<str:reference>/suivi/", views.convention_followup, name="convention_followup"),
    path(
        "conventions/<str:reference>/suivi.csv",
        views.convention_followup_export,
        {"file_format": "csv"},
        name="convention_followup_csv",
    ),
    path(
        "conventions/<str:reference>/suivi.xlsx",
        views.convention_followup_export,
        {"file_format": "xlsx"},
        name="convention_followup_xlsx",
    ),
    path("suivi/documents/<int:pk>/", views.followup_document, name="followup_document"),
    path("inscrire/", views.enroll, name="enroll"),
    path("import/", views.import_upload, name="import"),
    path("import/apercu/", views.import_preview, name="import_preview"),
    path("import/modele.csv", views.import_template, name="import_template"),
    path("agenda/renouveler/", views.calendar_feed_renew, name="calendar_feed_renew"),
    path("agenda/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("activer/<str:uidb36>/<str:token>/", views.claim, name="claim"),
]
