from django.urls import include, path

from .views import trainee, trainer

app_name = "attendance"

trainer_patterns = [
    path("", trainer.home, name="trainer_home"),
    path("creneaux/<int:slot_pk>/ouvrir/", trainer.sheet_open, name="trainer_sheet_open"),
    path("feuilles/<int:pk>/", trainer.sheet_page, name="trainer_sheet"),
    path("feuilles/<int:pk>/direct/", trainer.sheet_live, name="trainer_sheet_live"),
    path("feuilles/<int:pk>/personnes/<int:application_pk>/", trainer.mark, name="trainer_mark"),
    path("feuilles/<int:pk>/personnes/<int:application_pk>/excuser/", trainer.excuse, name="trainer_excuse"),
    path("feuilles/<int:pk>/cloture/", trainer.close, name="trainer_close"),
]

trainee_patterns = [
    path("", trainee.sign, name="sign"),
    path("<str:token>/", trainee.sign_token, name="sign_token"),
]

urlpatterns = [
    path("formateur/", include(trainer_patterns)),
    path("emargement/", include(trainee_patterns)),
]
