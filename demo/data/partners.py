"""The demo partners, their members, conventions and calls for projects."""

from dataclasses import dataclass, field

from core.validators import luhn_complete


def siret(siren_prefix: str, establishment: str) -> str:
    """A SIRET whose SIREN (8 digits + key) and whole number (SIREN + 4 digits + key) pass Luhn."""
    return luhn_complete(luhn_complete(siren_prefix) + establishment)


PARTNERS = {
    "rectorat": {
        "name": "Rectorat de Mayotte",
        "kind": "rectorat",
        "siret": siret("13002661", "0001"),
        "commune": "mamoudzou",
        "address": "BP 76, 97600 Mamoudzou",
        "contact_name": "Division de la formation des personnels",
        "contact_email": "formation.personnels@ac-mayotte.example",
        "contact_phone": "+262269610000",
    },
    "tsingoni": {
        "name": "Commune de Tsingoni",
        "kind": "commune",
        "siret": siret("21976017", "0001"),
        "commune": "tsingoni",
        "address": "Place de la Mairie, 97680 Tsingoni",
        "contact_name": "Direction des ressources humaines",
        "contact_email": "drh@mairie-tsingoni.example",
        "contact_phone": "+262269627000",
    },
    "departement": {
        "name": "Département de Mayotte",
        "kind": "departement",
        "siret": siret("22976001", "0001"),
        "commune": "mamoudzou",
        "address": "8 rue de l'Hôpital, 97600 Mamoudzou",
        "contact_name": "Direction de l'insertion et de la formation professionnelle",
        "contact_email": "formation.pro@departement976.example",
        "contact_phone": "+262269641000",
    },
    "association": {
        "name": "Association Horizon Jeunes Mayotte",
        "kind": "association",
        "siret": siret("82459310", "0012"),
        "commune": "koungou",
        "address": "Rue du Stade, 97690 Koungou",
        "contact_name": "Coordination des parcours d'insertion",
        "contact_email": "contact@horizon-jeunes.example",
        "contact_phone": "+262639402010",
    },
}


@dataclass(frozen=True)
class MemberData:
    partner: str
    email: str
    first_name: str
    last_name: str
    job_title: str
    role: str


MEMBERS = [
    MemberData(
        "rectorat",
        "referente.rectorat@ac-mayotte.example",
        "Mariama",
        "Abdallah",
        "Cheffe de la division de la formation des personnels",
        "referent",
    ),
    MemberData(
        "rectorat",
        "lecteur.rectorat@ac-mayotte.example",
        "Patrick",
        "Lebon",
        "Conseiller en formation continue (DAFPIC)",
        "lecteur",
    ),
    MemberData(
        "tsingoni",
        "referent.tsingoni@mairie-tsingoni.example",
        "Ismaël",
        "Houmadi",
        "Directeur des ressources humaines",
        "referent",
    ),
]

CNAM_DIRECTOR = ("Fatima Soilihi", "Directrice du CNAM Mayotte")


@dataclass(frozen=True)
class ConventionData:
    reference: str
    partner: str
    title: str
    preamble: str
    axes: tuple[int, ...]
    starts_in: int
    lasts: int
    state: str
    signed_in: int | None
    financial_terms: str
    amount: str | None
    articles: tuple[tuple[str, str], ...]
    signatories: tuple[tuple[str, str, str], ...]  # (party, full name, title)
    allocations: tuple[tuple[str, int], ...] = field(default=())


CONVENTIONS = [
    ConventionData(
        reference="CONV-2026-001",
        partner="rectorat",
        title="Convention de partenariat entre le rectorat de Mayotte et le CNAM Mayotte pour la formation "
        "tout au long de la vie",
        preamble=(
            "Le rectorat de Mayotte et le Conservatoire national des arts et métiers (CNAM) de Mayotte partagent "
            "une même ambition : élever le niveau de qualification des habitants du territoire, sécuriser les "
            "parcours des jeunes et permettre à chacun de se former tout au long de la vie. Le plan de "
            "convergence du territoire prévoit la montée en compétences des personnels de l'éducation "
            "nationale ; le CNAM Mayotte, qui propose désormais l'ensemble de l'offre nationale à distance et "
            "des formations en présentiel sur l'île, peut y contribuer, notamment grâce au campus connecté. "
            "C'est dans cet esprit que les parties conviennent de ce qui suit."
        ),
        axes=(1, 2, 3, 4, 5, 6),
        starts_in=-200,
        lasts=3 * 365,
        state="signee",
        signed_in=-210,
        financial_terms=(
            "Le rectorat prend en charge les frais de formation de ses personnels inscrits au titre de la "
            "présente convention, sur la base du coût horaire du CNAM Mayotte, dans la limite du montant "
            "annuel indiqué. Les formations des publics jeunes et demandeurs d'emploi sont financées par les "
            "dispositifs de droit commun ou par les appels à projets auxquels les parties répondent ensemble."
        ),
        amount="240000.00",
        articles=(
            (
                "Objet",
                "La présente convention a pour objet de définir les conditions dans lesquelles le rectorat de "
                "Mayotte et le CNAM Mayotte coopèrent pour développer l'accès à la formation professionnelle "
                "et à la qualification des publics du territoire.",
            ),
            (
                "Axes de coopération",
                "La coopération s'organise selon six axes : 1° l'accueil, l'orientation et l'accompagnement "
                "des élèves en transition difficile ; 2° des parcours de formation qualifiants, courts et "
                "professionnels, pour les jeunes décrocheurs ou en difficulté ; 3° l'accompagnement des projets "
                "de montée en compétences des adultes ; 4° la montée en compétences des personnels du "
                "rectorat ; 5° des réponses conjointes, par thématique, aux appels d'offres et appels à "
                "projets du Département, de l'État ou de l'Europe ; 6° la validation des acquis de "
                "l'expérience (VAE).",
            ),
            (
                "Engagements du CNAM Mayotte",
                "Le CNAM Mayotte s'engage à ouvrir aux publics visés son offre de formation à distance et en "
                "présentiel, à organiser des sessions en soirée, le samedi ou à distance afin que les "
                "personnels se forment sans désorganiser les services, à réserver les places prévues à "
                "l'annexe, à assurer le suivi pédagogique des inscrits et à transmettre chaque trimestre au "
                "rectorat un état des inscriptions et de l'assiduité.",
            ),
            (
                "Engagements du rectorat de Mayotte",
                "Le rectorat de Mayotte s'engage à informer ses personnels et les jeunes qu'il accompagne de "
                "l'offre du CNAM Mayotte, à désigner un référent chargé des inscriptions, à faciliter "
                "l'organisation du temps de travail des agents en formation et à mettre à disposition, "
                "lorsque c'est possible, des salles de ses établissements.",
            ),
            (
                "Publics visés",
                "La convention s'adresse aux personnels du rectorat, aux demandeurs d'emploi, aux jeunes en "
                "situation de précarité ou de décrochage scolaire, notamment les étudiants de première année "
                "qui poursuivent leurs études hors du territoire, ainsi qu'à tout salarié qui souhaite "
                "progresser, en particulier au sein du campus connecté.",
            ),
            (
                "Places réservées et inscriptions",
                "Des places sont réservées aux publics désignés par le rectorat dans les sessions indiquées "
                "en annexe. Le référent du rectorat inscrit les bénéficiaires depuis l'espace partenaire du "
                "portail du CNAM Mayotte. Les places non pourvues un mois avant le début d'une session sont "
                "rendues au public.",
            ),
            (
                "Modalités financières",
                "Les modalités financières sont précisées dans la partie « conditions financières » de la "
                "présente convention. Les factures sont émises par le CNAM Mayotte à l'issue de chaque "
                "session, sur la base des heures suivies.",
            ),
            (
                "Achats mutualisés d'équipements",
                "Les parties étudient ensemble l'achat mutualisé des équipements pédagogiques nécessaires aux "
                "formations conduites en commun, notamment pour le plateau technique du bâtiment et le campus "
                "connecté.",
            ),
            (
                "Brevet professionnel du bâtiment en alternance",
                "Les parties conduisent ensemble un brevet professionnel des métiers du bâtiment et des "
                "travaux publics en alternance, inscrit au schéma régional de formation, qui donne la priorité "
                "aux besoins du territoire.",
            ),
            (
                "Pilotage et suivi",
                "Un comité de pilotage réunit les représentants des deux parties au moins deux fois par an. "
                "Il dresse le bilan des actions, arrête la répartition des places réservées et prépare les "
                "réponses communes aux appels à projets.",
            ),
            (
                "Protection des données personnelles",
                "Chaque partie traite les données personnelles des bénéficiaires dans le respect du règlement "
                "général sur la protection des données ; seules les données nécessaires à l'inscription et au "
                "suivi des formations sont échangées.",
            ),
            (
                "Durée",
                "La présente convention est conclue pour une durée de trois ans à compter de sa date d'effet. "
                "Elle peut être prolongée par avenant signé des deux parties.",
            ),
            (
                "Résiliation",
                "Chacune des parties peut résilier la présente convention par lettre recommandée avec accusé "
                "de réception, moyennant un préavis de trois mois. Les formations en cours sont menées à leur "
                "terme.",
            ),
            (
                "Règlement des litiges",
                "En cas de difficulté, les parties recherchent une solution amiable. À défaut, le litige est "
                "porté devant le tribunal administratif de Mayotte.",
            ),
        ),
        signatories=(
            ("cnam", *CNAM_DIRECTOR),
            ("partenaire", "Laurent Delorme", "Recteur de l'académie de Mayotte"),
        ),
        allocations=(("2027-MGTPUB-MAM-01", 5), ("2027-BPBTP-KOU-01", 4), ("2027-GRH-DIST-01", 3)),
    ),
    ConventionData(
        reference="CONV-2026-002",
        partner="tsingoni",
        title="Convention de formation des agents de la commune de Tsingoni : accompagnement de la "
        "réorganisation des services",
        preamble=(
            "La commune de Tsingoni réorganise ses services afin de mieux répondre aux besoins de ses "
            "habitants. Elle mandate le CNAM Mayotte pour former ses agents et son encadrement et les "
            "accompagner dans cette transformation."
        ),
        axes=(3,),
        starts_in=-60,
        lasts=365,
        state="signee",
        signed_in=-65,
        financial_terms=(
            "La commune de Tsingoni verse au CNAM Mayotte la somme forfaitaire indiquée, en deux fois : la "
            "moitié au démarrage de la session, le solde à son terme, sur présentation des feuilles "
            "d'émargement."
        ),
        amount="18600.00",
        articles=(
            (
                "Objet",
                "La présente convention a pour objet l'organisation par le CNAM Mayotte d'une formation "
                "« Conduite du changement et réorganisation des services » réservée aux agents de la commune "
                "de Tsingoni.",
            ),
            (
                "Engagements du CNAM Mayotte",
                "Le CNAM Mayotte conçoit le programme avec la direction des ressources humaines de la commune, "
                "fournit les formateurs et les supports, et remet à chaque agent une attestation de formation.",
            ),
            (
                "Engagements de la commune de Tsingoni",
                "La commune désigne les agents bénéficiaires, les inscrit depuis l'espace partenaire, met à "
                "disposition la salle du conseil municipal et libère les agents sur leur temps de travail.",
            ),
            (
                "Publics visés",
                "La formation s'adresse aux agents et aux encadrants des services municipaux concernés par la "
                "réorganisation, dans la limite de douze places.",
            ),
            (
                "Modalités financières",
                "Les modalités financières sont précisées dans la partie « conditions financières » de la "
                "présente convention.",
            ),
            (
                "Durée",
                "La présente convention prend effet à sa signature et s'achève un an après sa date d'effet.",
            ),
            (
                "Résiliation",
                "Chacune des parties peut résilier la présente convention par lettre recommandée avec accusé "
                "de réception, moyennant un préavis d'un mois.",
            ),
        ),
        signatories=(
            ("cnam", *CNAM_DIRECTOR),
            ("partenaire", "Abdou Saïd Attoumani", "Maire de Tsingoni"),
        ),
        allocations=(("2027-CHGT-TSI-01", 12),),
    ),
    ConventionData(
        reference="CONV-2026-003",
        partner="departement",
        title="Convention pour la qualification des demandeurs d'emploi et des jeunes du Département de Mayotte",
        preamble=(
            "Le Département de Mayotte, chef de file de l'insertion, souhaite s'appuyer sur le CNAM Mayotte "
            "pour proposer des parcours qualifiants aux allocataires du RSA et aux jeunes sans qualification."
        ),
        axes=(2, 3, 5),
        starts_in=35,
        lasts=2 * 365,
        state="brouillon",
        signed_in=None,
        financial_terms="À préciser avec la direction de l'insertion et de la formation professionnelle.",
        amount="95000.00",
        articles=(
            (
                "Objet",
                "La présente convention a pour objet de définir les parcours qualifiants que le CNAM Mayotte "
                "organise pour les publics orientés par le Département de Mayotte.",
            ),
            (
                "Publics visés",
                "Sont visés les allocataires du revenu de solidarité active et les jeunes de moins de 26 ans "
                "sans qualification accompagnés par les services du Département.",
            ),
            (
                "Durée",
                "La présente convention est conclue pour une durée de deux ans à compter de sa signature.",
            ),
        ),
        signatories=(
            ("cnam", *CNAM_DIRECTOR),
            ("partenaire", "Ben Issa Ousseni", "Président du conseil départemental de Mayotte"),
        ),
    ),
]


@dataclass(frozen=True)
class CallData:
    title: str
    funder: str
    funder_name: str
    description: str
    deadline_in: int
    state: str
    amount_requested: str | None
    amount_obtained: str | None
    partners: tuple[str, ...]
    axes: tuple[int, ...]
    convention: str = ""


CALLS = [
    CallData(
        title="Parcours qualifiants pour les jeunes décrocheurs — FSE+ Mayotte",
        funder="europe",
        funder_name="Programme FEDER-FSE+ Mayotte 2021-2027",
        description=(
            "Réponse commune du rectorat, du CNAM Mayotte et d'une association d'insertion : des parcours "
            "courts et qualifiants (numérique, bâtiment, médiation) pour 120 jeunes sortis du système scolaire "
            "sans diplôme, avec un accompagnement individuel de l'entrée à la certification."
        ),
        deadline_in=45,
        state="preparation",
        amount_requested="380000.00",
        amount_obtained=None,
        partners=("rectorat", "association"),
        axes=(2, 5),
        convention="CONV-2026-001",
    ),
    CallData(
        title="Montée en compétences des agents des collectivités de Mayotte",
        funder="departement",
        funder_name="Département de Mayotte — direction de l'insertion et de la formation professionnelle",
        description=(
            "Formation des agents des communes au management, à la gestion administrative et au numérique, "
            "en cours du soir et à distance pour ne pas vider les services."
        ),
        deadline_in=-30,
        state="depose",
        amount_requested="150000.00",
        amount_obtained=None,
        partners=("departement", "tsingoni"),
        axes=(3, 5),
    ),
    CallData(
        title="Équipement du campus connecté de Petite-Terre",
        funder="etat",
        funder_name="Ministère de l'Enseignement supérieur — programme Campus connectés",
        description=(
            "Achat mutualisé de postes informatiques, d'un système de visioconférence et de mobilier pour "
            "accueillir les étudiants à distance et les stagiaires du CNAM."
        ),
        deadline_in=-180,
        state="retenu",
        amount_requested="60000.00",
        amount_obtained="52000.00",
        partners=("rectorat",),
        axes=(1, 5),
        convention="CONV-2026-001",
    ),
]
