from django.urls import path

from .views import applications as views
from .views import calendars as views_calendars
from .views import personal_data as views_personal_data
from .views import vae as views_vae

app_name = "enrollment"

urlpatterns = [
    path("", views.space, name="space"),
    path("profil/", views.profile, name="profile"),
    path("postuler/<int:session_pk>/", views.apply, name="apply"),
    path("mes-donnees/", views_personal_data.personal_data_page, name="personal_data"),
    path("mes-donnees/export.zip", views_personal_data.export, name="personal_data_export"),
    path(
        "mes-donnees/suppression/<str:token>/",
        views_personal_data.account_delete_confirm,
        name="account_delete_confirm",
    ),
    path("agenda/renouveler/", views_calendars.renew, name="calendar_feed_renew"),
    path("agenda/<str:token>.ics", views_calendars.feed, name="calendar_feed"),
    path("vae/demander/<slug:slug>/", views_vae.request_create, name="vae_request"),
    path("vae/<str:reference>/", views_vae.detail, name="vae_detail"),
    path("vae/<str:reference>/documents/<int:pk>/", views_vae.document_download, name="vae_document"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/retrait/", views.withdraw, name="withdraw"),
    path("<str:reference>/offre/", views.offer_answer, name="offer_answer"),
    path("<str:reference>/offre/refuser/", views.offer_decline, name="offer_decline"),
    path("<str:reference>/documents/<int:pk>/", views.document_download, name="document"),
    path("<str:reference>/attestation.pdf", views.certificate, name="certificate"),
]
