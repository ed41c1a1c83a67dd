"""Reference rows created by migrations and restored by the test suite."""

AUDIENCES = [
    ("demandeurs-emploi", "Demandeurs d'emploi", 1),
    ("jeunes", "Jeunes en recherche de qualification ou en décrochage", 2),
    ("salaries", "Salariés", 3),
    ("agents-publics", "Agents publics", 4),
    ("tout-public", "Tout public adulte", 5),
]


def create_audiences(apps, schema_editor):
    Audience = apps.get_model("programs", "Audience")
    for code, label, position in AUDIENCES:
        Audience.objects.update_or_create(code=code, defaults={"label": label, "position": position})


# The FORMACODE V10 « public visé » code each audience is published under in LHEO.
AUDIENCE_FORMACODES = {
    "demandeurs-emploi": "80006",
    "jeunes": "81024",
    "salaries": "82044",
    "agents-publics": "82055",
    "tout-public": "83056",
}


def set_audience_formacodes(apps, schema_editor):
    Audience = apps.get_model("programs", "Audience")
    for code, formacode in AUDIENCE_FORMACODES.items():
        Audience.objects.filter(code=code, formacode="").update(formacode=formacode)
