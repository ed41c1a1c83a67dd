"""The LHEO export is valid against the LHEO 2.3 schema on a large catalogue (the demo: test_lheo_demo.py).

The schema is read from ``settings.LHEO_XSD`` (by default the published copy beside the
repository, ``../shared/standards/lheo-2.3/lheo.xsd``); these tests skip only when it is not
there, and say where it is published.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from programs import lheo
from programs.models import Audience, Commune, FundingRoute, Programme, QualificationLevel, Session
from tests.factories import SessionFactory, SiteFactory, build_catalogue
from tests.programs import lheo_helpers
from tests.programs.lheo_helpers import assert_valid, complete_training_body, find, parse, render

pytestmark = pytest.mark.django_db


def _vary(programmes: list[Programme]) -> None:
    """Give the generated programmes every shape the export codes differently."""
    audiences = list(Audience.objects.all())
    levels = itertools.cycle(QualificationLevel)
    modalities = itertools.cycle(Programme.Modality)
    paths = itertools.cycle(Programme.TrainingPath)
    for index, programme in enumerate(programmes):
        programme.entry_level = next(levels)
        programme.certification_level = None if index % 5 == 0 else QualificationLevel.LEVEL_5
        programme.modality = next(modalities)
        programme.training_path = next(paths)
        programme.is_work_study = index % 3 == 0
        programme.rncp_code = f"RNCP{35000 + index}" if index % 4 == 0 else ""
        programme.rs_code = f"RS{5000 + index}" if index % 6 == 0 else ""
        programme.price_eur = None if index % 7 == 0 else Decimal(index * 10)
        programme.funding_routes = list(FundingRoute)[: index % 6]
        programme.formacode_domain = "32047" if index % 2 else ""
        programme.prerequisites = "" if index % 2 else "Niveau bac ou expérience professionnelle."
        programme.expected_results = "" if index % 3 else "Le titre RNCP de niveau 5."
        programme.content = "Comptabilité générale, fiscalité, paie. " * (1 + index % 120)  # up to 5,000 chars
        programme.access_terms = "Dossier puis entretien." if index % 2 else ""
        programme.teaching_methods = "Cours du soir, travaux dirigés, plateforme en ligne. " * (1 + index % 6)
        programme.disability_access = "Locaux accessibles ; aménagements sur demande au référent." * (index % 2)
        programme.contact_name = "Responsable pédagogique de la filière comptabilité et gestion" * (index % 2)
    Programme.objects.bulk_update(
        programmes,
        [
            "entry_level",
            "certification_level",
            "modality",
            "training_path",
            "is_work_study",
            "rncp_code",
            "rs_code",
            "price_eur",
            "funding_routes",
            "formacode_domain",
            "prerequisites",
            "expected_results",
            "content",
            "access_terms",
            "teaching_methods",
            "disability_access",
            "contact_name",
        ],
    )
    through = Programme.audiences.through
    through.objects.bulk_create(
        through(programme_id=programme.pk, audience_id=audience.pk)
        for index, programme in enumerate(programmes)
        for audience in audiences[: index % (len(audiences) + 1)]
    )


def test_a_catalogue_of_500_programmes_is_valid_lheo():
    complete_training_body(
        disability_referent_name="Référente handicap du centre", disability_referent_email="handicap@cnam-mayotte.fr"
    )
    programmes = build_catalogue(500)
    _vary(programmes)
    # A session in each commune, without a street for half of them, and one whose window is over.
    for index, commune in enumerate(Commune):
        site = SiteFactory(
            name=f"Salle communale de {commune.label}",
            commune=commune,
            address="" if index % 2 else f"{index} rue de la Mairie, quartier du front de mer de {commune.label}",
        )
        SessionFactory(programme=programmes[index], site=site, rhythm=Session.Rhythm.SATURDAY)
    now = timezone.now()
    SessionFactory(
        programme=programmes[0],
        applications_open_at=now - datetime.timedelta(days=30),
        applications_close_at=now - datetime.timedelta(days=2),
    )

    document = render()
    assert_valid(document)
    root = parse(document)
    assert len(find(root, "l:offres/l:formation")) == 500
    assert len(find(root, "//l:session")) == 2 * 500 + len(Commune) + 1
    places = {code.text for code in find(root, "//l:lieu-de-formation//l:code-INSEE-commune")}
    assert places == {insee for _postal, insee in lheo.COMMUNE_CODES.values()}


def test_without_the_schema_the_validation_skips_and_says_where_it_is_published(settings, tmp_path):
    settings.LHEO_XSD = tmp_path / "lheo.xsd"
    with pytest.raises(pytest.skip.Exception, match=r"http://lheo\.gouv\.fr/2\.3/lheo\.xsd"):
        lheo_helpers.schema()
