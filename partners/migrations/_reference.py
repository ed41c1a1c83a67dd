"""Reference rows created by migrations and restored by the test suite."""

# The six lines of work of the convention between the rectorat and CNAM Mayotte.
AXES = [
    (1, "Accueil, orientation et accompagnement des élèves en transition difficile"),
    (2, "Parcours de formation qualifiants pour les jeunes décrocheurs ou en difficulté"),
    (3, "Accompagnement des projets de montée en compétences des adultes"),
    (4, "Montée en compétences des personnels du rectorat"),
    (5, "Réponses conjointes aux appels d'offres et appels à projets (Département, État, Europe)"),
    (6, "Validation des acquis de l'expérience (VAE)"),
]


def create_axes(apps, schema_editor):
    Axis = apps.get_model("partners", "Axis")
    for number, title in AXES:
        Axis.objects.update_or_create(number=number, defaults={"title": title})
