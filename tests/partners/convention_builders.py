"""A realistic convention, as the rectorat's, shared by the PDF tests and the benchmark."""

import datetime
from decimal import Decimal

from partners.models import Axis, ConventionArticle, Partner, Signatory
from programs.models import Commune, Session
from tests.factories import (
    ConventionFactory,
    PartnerFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    SignatoryFactory,
    SiteFactory,
    luhn_siret,
)

ARTICLE_TITLES = [
    "Objet",
    "Publics visés",
    "Engagements du CNAM Mayotte",
    "Engagements du partenaire",
    "Inscription des personnels",
    "Suivi et évaluation",
    "Communication",
    "Protection des données personnelles",
    "Résiliation",
    "Litiges",
]

PREAMBLE = (
    "Vu le code de l'éducation, notamment ses articles L. 6111-1 et suivants ;\n"
    "Vu le plan de convergence du territoire de Mayotte ;\n"
    "Considérant la volonté commune des parties de développer la formation tout au long de la vie à Mayotte ;\n"
    "Considérant le schéma régional de formation, qui place les besoins du territoire au premier plan ;"
)


def build_full_convention(*, allocations: int = 12, articles: int = 10, signed: bool = True):
    partner = PartnerFactory(
        name="Rectorat de Mayotte",
        kind=Partner.Kind.RECTORAT,
        siret=luhn_siret(1234567890001),
        commune=Commune.MAMOUDZOU,
        address="Route nationale 1, Kawéni",
        contact_name="Service des ressources humaines",
    )
    convention = ConventionFactory(
        partner=partner,
        reference="CONV-2026-007",
        title="Convention cadre de partenariat pour la formation tout au long de la vie",
        preamble=PREAMBLE,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2028, 12, 31),
        state="signee" if signed else "brouillon",
        signed_on=datetime.date(2026, 3, 1) if signed else None,
        financial_terms=(
            "Le partenaire prend en charge les frais pédagogiques de ses personnels.\n\n"
            "Le CNAM Mayotte émet une facture par session, à terme échu."
        ),
        amount=Decimal("48500.00"),
    )
    convention.axes.set(Axis.objects.all())
    for number, title in enumerate(ARTICLE_TITLES[:articles], start=1):
        ConventionArticle.objects.create(
            convention=convention,
            number=number,
            title=title,
            body=(
                f"Le présent article {number} précise les modalités relatives à « {title.lower()} ».\n\n"
                "Les parties s'engagent à se tenir mutuellement informées de toute difficulté.\n"
                "Un comité de pilotage se réunit au moins deux fois par an."
            ),
        )
    SignatoryFactory(
        convention=convention,
        party=Signatory.Party.CNAM,
        full_name="Amina Saïd",
        title="Directrice du CNAM Mayotte",
        position=0,
    )
    SignatoryFactory(
        convention=convention,
        party=Signatory.Party.CNAM,
        full_name="Paul Hoarau",
        title="Administrateur général du CNAM",
        position=1,
    )
    SignatoryFactory(
        convention=convention,
        party=Signatory.Party.PARTNER,
        full_name="Jacques Mikulovic",
        title="Recteur de l'académie de Mayotte",
        position=0,
    )
    SignatoryFactory(
        convention=convention,
        party=Signatory.Party.PARTNER,
        full_name="Fatima Ahmed",
        title="Secrétaire générale",
        position=1,
    )
    site = SiteFactory(name="Campus connecté de Dembéni", commune=Commune.DEMBENI, address="Dembéni")
    remote = SiteFactory(name="Formation à distance", commune="", is_remote=True, address="")
    for index in range(allocations):
        start = datetime.date(2026, 2, 1) + datetime.timedelta(days=30 * index)
        session = SessionFactory(
            programme=ProgrammeFactory(title=f"Certificat de compétence n° {index + 1} — management"),
            reference=f"S-2026-BENCH-{index + 1:03d}",
            site=remote if index % 3 == 2 else site,
            start_date=start,
            end_date=start + datetime.timedelta(days=90),
            capacity=30,
            state=Session.State.SCHEDULED,
        )
        SeatAllocationFactory(convention=convention, session=session, seats=2 + index % 5)
    return convention
