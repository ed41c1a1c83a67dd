from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    # Before the programme pages: a programme's address never catches it, whatever its slug.
    path("lheo.xml", views.lheo_export, name="lheo"),
    path("<slug:slug>/", views.programme_detail, name="detail"),
    path("sessions/<int:pk>/agenda.ics", views.session_calendar, name="session_calendar"),
]
