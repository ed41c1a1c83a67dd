from django.urls import path

from . import views

app_name = "centre"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
]
