"""The demo data set loaded by ``manage.py seed_demo``.

Pure data, no database access. Dates are day offsets from the day the command runs so the
demo always shows open sessions; every object is keyed by a fixed natural key (slug,
reference, email) so that running the command again finds it instead of duplicating it.
Names of people and organisations' numbers are fictitious; emails use the reserved
``.example`` domain so that nothing can ever reach a real mailbox.
"""

from dataclasses import dataclass, field

from programs.models import normalize_text


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes ``prefix`` pass the Luhn check (SIREN and SIRET keys)."""
    for last in "0123456789":
        candidate = prefix + last
        total = 0
        for index, char in enumerate(reversed(candidate)):
            number = int(char)
            if index % 2 == 1:
                number = number * 2 - 9 if number * 2 > 9 else number * 2
            total += number
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def siret(siren_prefix: str, establishment: str) -> str:
    """A SIRET whose SIREN (8 digits + key) and whole number (SIREN + 4 digits + key) pass Luhn."""
    return luhn_complete(luhn_complete(siren_prefix) + establishment)


# --- Catalogue -------------------------------------------------------------

DOMAINS = [
    (
        "gestion-comptabilite",
        "Gestion & comptabilité",
        "Comptabilité, paie, gestion des petites et moyennes entreprises et des associations.",
    ),
    (
        "ressources-humaines",
        "Ressources humaines",
        "Gestion administrative du personnel, recrutement, formation et relations sociales.",
    ),
    (
        "informatique-numerique",
        "Informatique & numérique",
        "Du premier usage de l'ordinateur au développement d'applications et à l'administration de réseaux.",
    ),
    (
        "batiment-travaux-publics",
        "Bâtiment & travaux publics",
        "Les métiers de la construction dont le territoire a besoin : gros œuvre, électricité, conduite de travaux.",
    ),
    (
        "sanitaire-social",
        "Sanitaire & social",
        "Accompagnement des personnes, médiation, santé et sécurité au travail.",
    ),
    (
        "management-public",
        "Management public",
        "Encadrer une équipe, conduire un projet ou un changement dans une administration ou une collectivité.",
    ),
    (
        "langues-communication",
        "Langues & communication",
        "Français professionnel, anglais, écrits administratifs et prise de parole.",
    ),
]

COMMON_PREREQUISITES = (
    "Niveau baccalauréat (niveau 4) et une motivation réelle pour le métier visé. Les candidats qui n'ont pas "
    "ce niveau peuvent déposer une demande de dérogation ou s'engager dans un parcours VAE : l'équipe du CNAM "
    "Mayotte étudie chaque dossier et propose un entretien."
)


@dataclass(frozen=True)
class ProgrammeData:
    slug: str
    domain: str
    title: str
    code: str
    summary: str
    objectives: str
    content: str
    certification_type: str
    duration_hours: int
    audiences: tuple[str, ...]
    # Price in euros as text ("0" is free); routes are programs.models.FundingRoute codes.
    price_eur: str
    funding_routes: tuple[str, ...]
    duration_months: int | None = None
    duration_text: str = ""
    price_note: str = ""
    response_days: int = 15
    prerequisites: str = COMMON_PREREQUISITES
    certification_level: int | None = None
    rncp_code: str = ""
    entry_level: int = 4
    modality: str = "presentiel"
    rhythm: str = ""
    is_work_study: bool = False
    vae_available: bool = False
    status: str = "publiee"
    published_days_ago: int = 400


PROGRAMMES = [
    ProgrammeData(
        slug="comptabilite-et-gestion",
        domain="gestion-comptabilite",
        title="Comptabilité et gestion",
        code="CPN8400",
        summary="Tenir la comptabilité d'une entreprise ou d'une association, de la saisie aux comptes annuels.",
        objectives=(
            "Enregistrer les opérations courantes, établir les déclarations de TVA, préparer les travaux "
            "d'inventaire et les comptes annuels, analyser la rentabilité d'une activité et présenter un "
            "tableau de bord à la direction."
        ),
        content=(
            "Comptabilité générale, fiscalité des entreprises, droit des affaires, contrôle de gestion, "
            "outils numériques de la comptabilité (logiciel de gestion intégré, tableur). Un projet tutoré "
            "s'appuie sur le dossier réel d'une entreprise ou d'une association de Mayotte."
        ),
        certification_type="titre_rncp",
        certification_level=5,
        rncp_code="RNCP38150",
        modality="hybride",
        rhythm="Cours du soir en présentiel, ressources en ligne",
        vae_available=True,
        duration_hours=450,
        duration_months=12,
        price_eur="2450",
        price_note="Pris en charge pour les demandeurs d'emploi inscrits à France Travail.",
        funding_routes=("cpf", "france_travail", "opco", "region", "employeur"),
        audiences=("demandeurs-emploi", "salaries", "agents-publics"),
    ),
    ProgrammeData(
        slug="assistant-gestion-pme",
        domain="gestion-comptabilite",
        title="Assistant de gestion des petites entreprises",
        code="CC15300",
        summary="Seconder le dirigeant d'une TPE ou d'une PME dans sa gestion administrative et commerciale.",
        objectives=(
            "Organiser le suivi administratif des clients et des fournisseurs, participer à la gestion de la "
            "trésorerie, préparer les éléments de la paie et communiquer avec les partenaires de l'entreprise."
        ),
        content=(
            "Gestion commerciale, suivi de la trésorerie, bases de la comptabilité, communication "
            "professionnelle écrite et orale, outils bureautiques."
        ),
        certification_type="certificat",
        certification_level=5,
        modality="presentiel",
        rhythm="Le samedi matin",
        duration_hours=180,
        duration_months=6,
        price_eur="980",
        funding_routes=("cpf", "opco", "employeur"),
        audiences=("demandeurs-emploi", "salaries"),
    ),
    ProgrammeData(
        slug="gestion-de-la-paie",
        domain="ressources-humaines",
        title="Gestion de la paie et des déclarations sociales",
        code="CC14800",
        summary="Établir des bulletins de paie justes et les déclarations sociales qui les accompagnent.",
        objectives=(
            "Calculer les éléments du salaire, appliquer les règles de la convention collective, établir la "
            "déclaration sociale nominative et répondre aux questions des salariés sur leur bulletin."
        ),
        content=(
            "Droit du travail appliqué à la paie, cotisations sociales et leurs particularités à Mayotte, "
            "absences et congés, logiciel de paie, déclaration sociale nominative."
        ),
        certification_type="certificat",
        certification_level=5,
        modality="presentiel",
        rhythm="En journée, trois matinées par semaine",
        duration_hours=210,
        duration_months=4,
        price_eur="1150",
        price_note="Pris en charge pour les demandeurs d'emploi inscrits à France Travail.",
        funding_routes=("cpf", "france_travail", "opco"),
        audiences=("demandeurs-emploi", "salaries", "agents-publics"),
    ),
    ProgrammeData(
        slug="licence-pro-gestion-ressources-humaines",
        domain="ressources-humaines",
        title="Licence professionnelle Gestion des ressources humaines",
        code="LP10100",
        summary="Une licence du réseau CNAM, suivie à distance, pour exercer comme assistant ou chargé RH.",
        objectives=(
            "Conduire les processus de recrutement, d'intégration et de formation, gérer les carrières et les "
            "dossiers administratifs du personnel, contribuer au dialogue social de l'organisation."
        ),
        content=(
            "Droit du travail et de la fonction publique, gestion prévisionnelle des emplois et des "
            "compétences, ingénierie de formation, systèmes d'information RH, mémoire professionnel."
        ),
        prerequisites=(
            "Niveau bac+2 (niveau 5) dans n'importe quelle spécialité, ou trois ans d'expérience dans la "
            "fonction RH. Les cours ont lieu à distance : prévoir un ordinateur et une connexion, ou venir "
            "travailler au campus connecté de Dzaoudzi."
        ),
        certification_type="diplome",
        certification_level=6,
        entry_level=5,
        modality="distance",
        rhythm="À distance, classe virtuelle le mercredi soir",
        vae_available=True,
        duration_hours=550,
        duration_months=12,
        price_eur="3200",
        price_note="Tarif réduit pour les agents publics dont l'employeur a signé une convention.",
        funding_routes=("cpf", "opco", "employeur"),
        response_days=30,
        audiences=("salaries", "agents-publics"),
    ),
    ProgrammeData(
        slug="developpeur-web-et-web-mobile",
        domain="informatique-numerique",
        title="Développeur web et web mobile",
        code="CRN5200",
        summary="Concevoir et développer des sites et des applications web accessibles et sécurisés.",
        objectives=(
            "Maquetter une interface, développer la partie visible et la partie serveur d'une application web, "
            "concevoir une base de données, publier l'application et en assurer la maintenance."
        ),
        content=(
            "HTML, CSS et accessibilité numérique, JavaScript, développement serveur, bases de données "
            "relationnelles, sécurité des applications, gestion de projet agile. Stage de huit semaines."
        ),
        certification_type="titre_rncp",
        certification_level=5,
        rncp_code="RNCP37674",
        modality="hybride",
        rhythm="En journée, au campus connecté",
        vae_available=True,
        duration_hours=700,
        duration_text="Dont 8 semaines de stage en entreprise",
        duration_months=9,
        price_eur="0",
        price_note="Financée par le Conseil départemental de Mayotte : rien à payer pour les personnes retenues.",
        funding_routes=("region", "france_travail"),
        audiences=("demandeurs-emploi", "jeunes"),
    ),
    ProgrammeData(
        slug="competences-numeriques-de-base",
        domain="informatique-numerique",
        title="Compétences numériques de base et démarches en ligne",
        code="FQ00410",
        summary="Se servir d'un ordinateur et d'un smartphone pour chercher un emploi et faire ses démarches.",
        objectives=(
            "Utiliser une messagerie, rédiger et enregistrer un document, remplir un formulaire en ligne, "
            "protéger ses données personnelles et préparer la certification Pix."
        ),
        content=(
            "Prise en main de l'ordinateur, traitement de texte, messagerie, démarches sur les sites publics "
            "(France Travail, CAF, impôts), sécurité en ligne, passage de la certification Pix."
        ),
        prerequisites="Aucun diplôme n'est demandé : savoir lire et écrire en français suffit.",
        certification_type="qualifiante",
        entry_level=3,
        modality="presentiel",
        rhythm="En journée, quatre matinées par semaine",
        duration_hours=70,
        duration_text="Sur 5 semaines",
        price_eur="0",
        price_note="Financée par le Conseil départemental de Mayotte : rien à payer pour les personnes retenues.",
        funding_routes=("region",),
        response_days=7,
        audiences=("jeunes", "demandeurs-emploi", "tout-public"),
    ),
    ProgrammeData(
        slug="technicien-systemes-et-reseaux",
        domain="informatique-numerique",
        title="Technicien systèmes et réseaux",
        code="DEUST05",
        summary="Installer, administrer et dépanner le parc informatique et le réseau d'une organisation.",
        objectives=(
            "Installer et configurer des postes et des serveurs, administrer un réseau local, assurer le "
            "support aux utilisateurs et appliquer les règles de cybersécurité."
        ),
        content=(
            "Architecture des ordinateurs, systèmes Windows et Linux, réseaux TCP/IP, virtualisation, "
            "cybersécurité, anglais technique, projet en entreprise."
        ),
        certification_type="diplome",
        certification_level=5,
        modality="distance",
        rhythm="À distance, regroupements au campus connecté",
        duration_hours=600,
        duration_months=24,
        price_eur="2800",
        funding_routes=("cpf", "france_travail", "opco"),
        audiences=("demandeurs-emploi", "salaries", "jeunes"),
    ),
    ProgrammeData(
        slug="bp-btp-maconnerie-alternance",
        domain="batiment-travaux-publics",
        title="Brevet professionnel Maçon — bâtiment et travaux publics, en alternance",
        code="BP-BTP01",
        summary=(
            "Un brevet professionnel du BTP préparé en alternance, porté avec le rectorat de Mayotte selon le "
            "schéma régional de formation."
        ),
        objectives=(
            "Réaliser les ouvrages de gros œuvre d'un bâtiment, lire un plan, organiser son poste et encadrer "
            "une petite équipe sur le chantier dans le respect des règles de sécurité."
        ),
        content=(
            "Technologie de la construction, lecture de plans et métré, béton armé et maçonnerie, "
            "organisation de chantier, prévention des risques, enseignement général. La formation alterne "
            "périodes au centre et en entreprise ; elle est conduite avec le rectorat de Mayotte et suit le "
            "schéma régional de formation, qui place les besoins du territoire en premier."
        ),
        prerequisites=(
            "Un CAP ou un niveau 3 dans les métiers du bâtiment, ou une première expérience sur chantier ; "
            "un contrat d'apprentissage ou de professionnalisation avec une entreprise du BTP. Sans ce niveau, "
            "une dérogation peut être demandée."
        ),
        certification_type="diplome",
        certification_level=4,
        entry_level=3,
        modality="presentiel",
        rhythm="Alternance : deux semaines au centre, deux semaines en entreprise",
        is_work_study=True,
        vae_available=True,
        duration_hours=1200,
        duration_text="En alternance : contrat d'apprentissage ou de professionnalisation",
        duration_months=24,
        price_eur="0",
        price_note="Coût pris en charge par l'OPCO de l'employeur ; l'alternant est rémunéré.",
        funding_routes=("opco", "region"),
        audiences=("jeunes", "demandeurs-emploi"),
    ),
    ProgrammeData(
        slug="electricite-du-batiment",
        domain="batiment-travaux-publics",
        title="Électricité du bâtiment — installation et habilitation",
        code="FQ00520",
        summary="Réaliser une installation électrique domestique conforme et obtenir l'habilitation électrique.",
        objectives=(
            "Lire un schéma électrique, poser et raccorder une installation conforme à la norme NF C 15-100, "
            "contrôler son fonctionnement et travailler en sécurité avec l'habilitation B1V-BR."
        ),
        content=(
            "Notions d'électricité, appareillage et protections, tableau électrique, mise en service et "
            "contrôle, prévention du risque électrique, préparation de l'habilitation électrique."
        ),
        prerequisites=(
            "Niveau CAP (niveau 3) ou expérience dans le bâtiment. Un entretien vérifie la motivation et les "
            "bases en calcul."
        ),
        certification_type="qualifiante",
        entry_level=3,
        modality="presentiel",
        rhythm="Le samedi matin",
        duration_hours=120,
        duration_months=6,
        price_eur="890",
        price_note="Pris en charge pour les demandeurs d'emploi inscrits à France Travail.",
        funding_routes=("cpf", "france_travail", "region"),
        audiences=("demandeurs-emploi", "jeunes", "salaries"),
    ),
    ProgrammeData(
        slug="conduite-de-travaux-batiment",
        domain="batiment-travaux-publics",
        title="Conduite de travaux du bâtiment",
        code="CRN3300",
        summary="Préparer, suivre et réceptionner un chantier de bâtiment en maîtrisant délais et coûts.",
        objectives=(
            "Préparer un chantier, planifier les travaux, coordonner les corps d'état, suivre les coûts et "
            "réceptionner l'ouvrage avec le maître d'ouvrage."
        ),
        content=(
            "Technologie du bâtiment, études de prix, planification, réglementation des marchés publics, "
            "management d'équipe, qualité, sécurité et environnement sur le chantier."
        ),
        certification_type="titre_rncp",
        certification_level=5,
        rncp_code="RNCP35503",
        modality="hybride",
        rhythm="Cours du soir et samedis",
        vae_available=True,
        duration_hours=520,
        duration_months=18,
        price_eur="3900",
        funding_routes=("cpf", "opco", "employeur"),
        response_days=21,
        audiences=("salaries", "agents-publics"),
    ),
    ProgrammeData(
        slug="accompagnement-vae",
        domain="sanitaire-social",
        title="Accompagnement à la validation des acquis de l'expérience (VAE)",
        code="VAE0100",
        summary="Faire reconnaître son expérience par un diplôme : un accompagnateur vous guide jusqu'au jury.",
        objectives=(
            "Choisir la certification qui correspond à son expérience, rédiger le dossier de validation qui "
            "décrit ses activités et préparer l'entretien avec le jury."
        ),
        content=(
            "Entretien de positionnement, ateliers d'écriture du dossier de validation, rendez-vous "
            "individuels à distance, simulation de l'entretien avec le jury."
        ),
        prerequisites=(
            "Au moins un an d'expérience, salariée, bénévole ou non salariée, en rapport avec le diplôme "
            "visé. Aucun niveau de diplôme n'est exigé."
        ),
        certification_type="vae",
        entry_level=3,
        modality="distance",
        rhythm="À distance, à votre rythme",
        vae_available=True,
        duration_hours=24,
        duration_text="Accompagnement réparti sur 6 à 12 mois",
        price_eur="1200",
        price_note="Éligible au CPF.",
        funding_routes=("cpf", "france_travail", "opco", "employeur"),
        response_days=10,
        audiences=("salaries", "agents-publics", "demandeurs-emploi", "tout-public"),
    ),
    ProgrammeData(
        slug="securite-et-sante-au-travail",
        domain="sanitaire-social",
        title="Sécurité et santé au travail",
        code="CC13500",
        summary="Repérer les risques professionnels et construire un plan de prévention dans son organisation.",
        objectives=(
            "Évaluer les risques professionnels, rédiger le document unique, animer une démarche de prévention "
            "et conseiller la direction en matière de santé et de sécurité au travail."
        ),
        content=(
            "Réglementation de la santé et de la sécurité au travail, évaluation des risques, ergonomie, "
            "risques psychosociaux, prévention du risque chimique et des chutes, sauveteur secouriste du travail."
        ),
        certification_type="certificat",
        certification_level=5,
        modality="presentiel",
        rhythm="Le samedi",
        duration_hours=150,
        duration_months=5,
        price_eur="1050",
        funding_routes=("cpf", "opco", "employeur"),
        audiences=("salaries", "agents-publics", "demandeurs-emploi"),
    ),
    ProgrammeData(
        slug="mediation-sociale-acces-aux-droits",
        domain="sanitaire-social",
        title="Médiation sociale et accès aux droits",
        code="CC16200",
        summary="Accompagner les habitants dans leurs démarches et faciliter le lien avec les services publics.",
        objectives=(
            "Accueillir et orienter un public en difficulté, expliquer les droits sociaux, prévenir et gérer "
            "les conflits, travailler en réseau avec les associations et les services publics."
        ),
        content=(
            "Cadre de la médiation sociale, droits sociaux et dispositifs d'aide, communication "
            "interculturelle et plurilinguisme (shimaoré, kibushi, français), techniques d'entretien, "
            "travail en réseau."
        ),
        certification_type="certificat",
        certification_level=4,
        modality="presentiel",
        rhythm="En journée",
        duration_hours=160,
        duration_months=4,
        price_eur="0",
        price_note="Financée par le Conseil départemental de Mayotte : rien à payer pour les personnes retenues.",
        funding_routes=("region", "france_travail"),
        audiences=("demandeurs-emploi", "jeunes", "tout-public"),
        status="brouillon",
        published_days_ago=0,
    ),
    ProgrammeData(
        slug="management-et-pilotage-des-services-publics",
        domain="management-public",
        title="Management et pilotage des services publics",
        code="CS10700",
        summary="Encadrer une équipe et piloter l'activité d'un service public, en cours du soir.",
        objectives=(
            "Animer et motiver une équipe, conduire un entretien professionnel, piloter l'activité avec des "
            "indicateurs, préparer un budget de service et conduire un projet de modernisation."
        ),
        content=(
            "Management d'équipe, droit de la fonction publique, finances publiques, pilotage par les "
            "indicateurs, conduite de projet, qualité du service rendu aux usagers."
        ),
        prerequisites=(
            "Niveau bac+2 (niveau 5), ou niveau baccalauréat avec une expérience d'encadrement. Formation "
            "conçue pour les agents publics en poste : les cours ont lieu le soir."
        ),
        certification_type="certificat",
        certification_level=6,
        entry_level=5,
        modality="presentiel",
        rhythm="Cours du soir, deux soirs par semaine",
        duration_hours=220,
        duration_months=8,
        price_eur="1800",
        price_note="Pris en charge par l'employeur pour les agents du rectorat et des collectivités partenaires.",
        funding_routes=("employeur", "cpf"),
        audiences=("agents-publics", "salaries"),
    ),
    ProgrammeData(
        slug="conduite-du-changement-services-publics",
        domain="management-public",
        title="Conduite du changement et réorganisation des services",
        code="FQ00730",
        summary="Accompagner les agents et l'encadrement lors d'une réorganisation des services.",
        objectives=(
            "Comprendre les étapes d'une réorganisation, en expliquer le sens aux équipes, redéfinir les "
            "fiches de poste et les circuits de travail, et suivre la mise en place de la nouvelle organisation."
        ),
        content=(
            "Diagnostic de l'organisation, communication du changement, analyse des postes et des "
            "compétences, ateliers de travail sur les processus, accompagnement des encadrants."
        ),
        certification_type="qualifiante",
        modality="presentiel",
        rhythm="En journée, sur le lieu de travail",
        duration_hours=84,
        duration_months=3,
        price_eur="650",
        price_note="Pris en charge par l'employeur public.",
        funding_routes=("employeur",),
        audiences=("agents-publics",),
    ),
    ProgrammeData(
        slug="francais-professionnel",
        domain="langues-communication",
        title="Français professionnel et écrits administratifs",
        code="FQ00850",
        summary="Gagner en aisance à l'écrit et à l'oral pour travailler, répondre au public et rédiger.",
        objectives=(
            "Rédiger un courriel, un compte rendu et un courrier administratif, prendre la parole en réunion "
            "et accueillir un usager avec assurance."
        ),
        content=(
            "Grammaire et orthographe utiles, écrits professionnels, accueil du public, prise de parole, "
            "préparation du certificat Voltaire ou du DCL français professionnel."
        ),
        prerequisites="Parler français au quotidien ; aucun diplôme n'est exigé.",
        certification_type="qualifiante",
        entry_level=3,
        modality="presentiel",
        rhythm="En journée, deux matinées par semaine",
        duration_hours=90,
        duration_months=3,
        price_eur="0",
        price_note="Financée par le Conseil départemental de Mayotte : rien à payer pour les personnes retenues.",
        funding_routes=("region", "france_travail"),
        response_days=10,
        audiences=("demandeurs-emploi", "jeunes", "agents-publics", "tout-public"),
    ),
    ProgrammeData(
        slug="anglais-professionnel",
        domain="langues-communication",
        title="Anglais professionnel — préparation au Linguaskill",
        code="CC11900",
        summary="Communiquer en anglais au travail et valider son niveau par une certification reconnue.",
        objectives=(
            "Se présenter, échanger au téléphone, rédiger un courriel simple et comprendre un document "
            "technique en anglais ; valider son niveau au Linguaskill."
        ),
        content=(
            "Anglais de la vie professionnelle, compréhension orale et écrite, expression écrite, "
            "entraînement à la certification Linguaskill."
        ),
        certification_type="certificat",
        certification_level=4,
        modality="hybride",
        rhythm="Cours du soir et plateforme en ligne",
        duration_hours=80,
        duration_months=4,
        price_eur="720",
        funding_routes=("cpf", "opco", "employeur"),
        audiences=("salaries", "agents-publics", "demandeurs-emploi"),
    ),
    ProgrammeData(
        slug="logistique-portuaire",
        domain="gestion-comptabilite",
        title="Logistique et transit portuaire",
        code="CC17100",
        summary="Organiser les flux de marchandises entre le port de Longoni et les entreprises de l'île.",
        objectives=(
            "Suivre une opération d'import ou d'export, préparer les documents de douane et de transport, "
            "organiser un entrepôt et en mesurer l'activité."
        ),
        content=(
            "Chaîne logistique, réglementation douanière, transport maritime, gestion des stocks, "
            "outils de suivi, anglais du transport."
        ),
        certification_type="certificat",
        certification_level=5,
        modality="hybride",
        rhythm="Cours du soir",
        duration_hours=200,
        duration_months=7,
        price_eur="1600",
        funding_routes=("cpf", "france_travail", "opco", "region"),
        audiences=("demandeurs-emploi", "salaries"),
        status="brouillon",
        published_days_ago=0,
    ),
]

SITES = {
    "mamoudzou": {
        "name": "Centre CNAM de Mamoudzou",
        "commune": "mamoudzou",
        "address": "Place Mariage, 97600 Mamoudzou",
        "accessibility": "Salles de plain-pied, accessibles en fauteuil roulant.",
    },
    "rectorat": {
        "name": "Rectorat de Mayotte — salle de formation",
        "commune": "mamoudzou",
        "address": "Rue Sarah Bernhardt, 97600 Mamoudzou",
        "accessibility": "Ascenseur ; salle au premier étage.",
    },
    "dzaoudzi": {
        "name": "Campus connecté de Petite-Terre",
        "commune": "dzaoudzi",
        "address": "Boulevard des Crabes, 97615 Dzaoudzi",
        "accessibility": "Accessible en fauteuil roulant ; postes informatiques et connexion à disposition.",
    },
    "koungou": {
        "name": "Plateau technique BTP de Koungou",
        "commune": "koungou",
        "address": "Zone artisanale de Longoni, 97690 Koungou",
        "accessibility": "Atelier de plain-pied ; chaussures de sécurité fournies.",
    },
    "chirongui": {
        "name": "Maison France Services de Chirongui",
        "commune": "chirongui",
        "address": "Rue de la Mairie, 97620 Chirongui",
        "accessibility": "Salle de plain-pied.",
    },
    "sada": {
        "name": "Pôle de formation de Sada",
        "commune": "sada",
        "address": "Route nationale 2, 97640 Sada",
        "accessibility": "Salle de plain-pied.",
    },
    "tsingoni": {
        "name": "Mairie de Tsingoni — salle du conseil",
        "commune": "tsingoni",
        "address": "Place de la Mairie, 97680 Tsingoni",
        "accessibility": "Accès par une rampe.",
    },
    "distance": {
        "name": "À distance",
        "commune": "",
        "address": "",
        "is_remote": True,
        "accessibility": "Cours en ligne sous-titrés ; classes virtuelles enregistrées.",
    },
}


@dataclass(frozen=True)
class SessionData:
    reference: str
    programme: str
    site: str
    rhythm: str
    schedule: str
    hours: int
    capacity: int
    starts_in: int  # days from today
    lasts: int  # days
    opens_in: int  # days from today, applications window
    closes_in: int
    state: str = "programmee"
    reserved_for: str = ""  # partner key
    notes: str = ""


SESSIONS = [
    SessionData(
        "2027-COMPTA-MAM-01",
        "comptabilite-et-gestion",
        "mamoudzou",
        "soir",
        "mardi et jeudi, 17 h 30 – 20 h 30",
        450,
        20,
        starts_in=45,
        lasts=330,
        opens_in=-30,
        closes_in=35,
    ),
    SessionData(
        "2027-MGTPUB-MAM-01",
        "management-et-pilotage-des-services-publics",
        "rectorat",
        "soir",
        "lundi et mercredi, 17 h 30 – 20 h 30",
        220,
        18,
        starts_in=50,
        lasts=240,
        opens_in=-25,
        closes_in=40,
        notes="Cinq places réservées aux personnels du rectorat (convention CONV-2026-001, axe 4).",
    ),
    SessionData(
        "2027-BPBTP-KOU-01",
        "bp-btp-maconnerie-alternance",
        "koungou",
        "alternance",
        "deux semaines au centre, deux semaines en entreprise ; 7 h 30 – 15 h 30 au centre",
        1200,
        12,
        starts_in=60,
        lasts=700,
        opens_in=-40,
        closes_in=45,
        notes="Session conduite avec le rectorat, inscrite au schéma régional de formation.",
    ),
    SessionData(
        "2027-ELEC-CHI-01",
        "electricite-du-batiment",
        "chirongui",
        "samedi",
        "samedi, 8 h – 12 h",
        120,
        12,
        starts_in=40,
        lasts=180,
        opens_in=-20,
        closes_in=30,
    ),
    SessionData(
        "2027-GRH-DIST-01",
        "licence-pro-gestion-ressources-humaines",
        "distance",
        "distance",
        "cours en ligne ; classe virtuelle le mercredi, 18 h – 20 h",
        550,
        30,
        starts_in=70,
        lasts=300,
        opens_in=-35,
        closes_in=50,
    ),
    SessionData(
        "2027-WEB-DZA-01",
        "developpeur-web-et-web-mobile",
        "dzaoudzi",
        "journee",
        "du lundi au vendredi, 8 h – 15 h",
        700,
        14,
        starts_in=55,
        lasts=270,
        opens_in=-30,
        closes_in=40,
    ),
    SessionData(
        "2027-SECU-SAD-01",
        "securite-et-sante-au-travail",
        "sada",
        "samedi",
        "samedi, 8 h – 12 h",
        150,
        8,
        starts_in=35,
        lasts=150,
        opens_in=-45,
        closes_in=25,
        notes="Session complète : les nouvelles candidatures vont sur la liste d'attente.",
    ),
    SessionData(
        "2027-PAIE-MAM-01",
        "gestion-de-la-paie",
        "mamoudzou",
        "journee",
        "lundi, mercredi et vendredi, 8 h – 12 h",
        210,
        15,
        starts_in=10,
        lasts=120,
        opens_in=-60,
        closes_in=-3,
    ),
    SessionData(
        "2027-ANGLAIS-DZA-01",
        "anglais-professionnel",
        "dzaoudzi",
        "soir",
        "mardi, 18 h – 20 h",
        80,
        15,
        starts_in=30,
        lasts=120,
        opens_in=-20,
        closes_in=20,
        state="annulee",
        notes="Annulée : le formateur n'a pas pu être remplacé. Nouvelle session prévue au second semestre.",
    ),
    SessionData(
        "2026-FRPRO-CHI-01",
        "francais-professionnel",
        "chirongui",
        "journee",
        "mardi et vendredi, 8 h 30 – 12 h",
        90,
        12,
        starts_in=-150,
        lasts=130,
        opens_in=-210,
        closes_in=-160,
    ),
    SessionData(
        "2027-CHGT-TSI-01",
        "conduite-du-changement-services-publics",
        "tsingoni",
        "journee",
        "lundi et mardi, 8 h – 12 h",
        84,
        12,
        starts_in=25,
        lasts=90,
        opens_in=-15,
        closes_in=20,
        reserved_for="tsingoni",
        notes="Session réservée aux agents de la commune de Tsingoni (convention CONV-2026-002).",
    ),
    SessionData(
        "2027-NUMBASE-CHI-01",
        "competences-numeriques-de-base",
        "chirongui",
        "journee",
        "du lundi au jeudi, 8 h 30 – 12 h",
        70,
        12,
        starts_in=30,
        lasts=35,
        opens_in=-20,
        closes_in=25,
    ),
    SessionData(
        "2027-VAE-DIST-01",
        "accompagnement-vae",
        "distance",
        "distance",
        "rendez-vous individuels en visioconférence, à convenir",
        24,
        25,
        starts_in=20,
        lasts=300,
        opens_in=-30,
        closes_in=60,
    ),
    SessionData(
        "2027-RESEAUX-DIST-01",
        "technicien-systemes-et-reseaux",
        "distance",
        "distance",
        "cours en ligne ; regroupement au campus connecté un samedi par mois",
        600,
        25,
        starts_in=90,
        lasts=600,
        opens_in=-10,
        closes_in=75,
    ),
    SessionData(
        "2027-BTP-MAM-01",
        "conduite-de-travaux-batiment",
        "mamoudzou",
        "soir",
        "mardi et jeudi, 18 h – 21 h, et un samedi sur deux",
        520,
        16,
        starts_in=80,
        lasts=540,
        opens_in=-5,
        closes_in=70,
    ),
]


# --- Partners --------------------------------------------------------------

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


# --- Applicants and their applications ----------------------------------------

CONSENT_TEXT = (
    "J'accepte que le CNAM Mayotte traite les données de ce formulaire pour instruire ma candidature et "
    "suivre ma formation. Je peux exercer mes droits d'accès, de rectification et d'effacement auprès du "
    "délégué à la protection des données du CNAM."
)


@dataclass(frozen=True)
class ApplicantData:
    first_name: str
    last_name: str
    birth_date: str  # ISO
    commune: str
    highest_level: int
    situation: str
    france_travail_id: str = ""
    employer: str = ""  # partner key
    job_title: str = ""

    @property
    def email(self) -> str:
        local = normalize_text(f"{self.first_name}.{self.last_name}").replace(" ", "-").replace("'", "")
        return f"{local}@candidat.example"


APPLICANTS = {
    "amina": ApplicantData("Amina", "Madi", "1994-03-12", "mamoudzou", 4, "demandeur_emploi", "4518273A"),
    "nasser": ApplicantData("Nasser", "Abdallah", "1988-07-02", "koungou", 5, "salarie", job_title="Aide-comptable"),
    "fatima": ApplicantData("Fatima", "Saïd", "1991-11-23", "dembeni", 4, "demandeur_emploi", "4520931B"),
    "ibrahim": ApplicantData("Ibrahim", "Ali", "2006-01-30", "mamoudzou", 0, "jeune_sans_diplome"),
    "zaina": ApplicantData("Zaïna", "Ahamadi", "1996-05-17", "bandraboua", 4, "demandeur_emploi", "4527720C"),
    "anfane": ApplicantData("Anfane", "Soilihi", "2005-09-04", "sada", 3, "jeune_sans_diplome"),
    "faiza": ApplicantData(
        "Faïza",
        "Houmadi",
        "1983-02-14",
        "mamoudzou",
        5,
        "agent_public",
        employer="rectorat",
        job_title="Secrétaire de direction",
    ),
    "mouslim": ApplicantData(
        "Mouslim",
        "Attoumani",
        "1979-08-21",
        "koungou",
        6,
        "agent_public",
        employer="rectorat",
        job_title="Gestionnaire des ressources humaines",
    ),
    "naima": ApplicantData(
        "Naïma",
        "Combo",
        "1986-12-09",
        "pamandzi",
        5,
        "agent_public",
        employer="rectorat",
        job_title="Adjointe administrative, cheffe de bureau",
    ),
    "riziki": ApplicantData(
        "Riziki",
        "Boina",
        "1985-06-11",
        "chiconi",
        5,
        "salarie",
        job_title="Responsable d'agence bancaire",
    ),
    "saandati": ApplicantData(
        "Saandati",
        "Youssouf",
        "1981-04-27",
        "mamoudzou",
        5,
        "agent_public",
        job_title="Cheffe de service au centre communal d'action sociale",
    ),
    "ousseni": ApplicantData("Ousseni", "Mohamed", "2007-02-19", "koungou", 0, "jeune_sans_diplome"),
    "kamaldine": ApplicantData("Kamaldine", "Ahmed", "2006-10-03", "bandraboua", 0, "jeune_sans_diplome"),
    "echati": ApplicantData("Echati", "Mari", "2004-07-15", "mtsamboro", 3, "jeune_sans_diplome"),
    "hadidja": ApplicantData("Hadidja", "Ousseni", "1999-01-08", "ouangani", 3, "demandeur_emploi", "4533102D"),
    "bacar": ApplicantData("Bacar", "Ali", "1990-09-29", "chirongui", 3, "salarie", job_title="Ouvrier du bâtiment"),
    "zalifa": ApplicantData("Zalifa", "Abdou", "1997-03-05", "boueni", 4, "demandeur_emploi", "4540017E"),
    "sitti": ApplicantData("Sitti", "Assani", "2003-12-01", "kani-keli", 0, "jeune_sans_diplome"),
    "nadjati": ApplicantData("Nadjati", "Salim", "2005-04-22", "chirongui", 3, "jeune_sans_diplome"),
    "chamsidine": ApplicantData(
        "Chamsidine",
        "Hamada",
        "1984-05-30",
        "mamoudzou",
        5,
        "agent_public",
        employer="rectorat",
        job_title="Gestionnaire administratif en établissement",
    ),
    "laetitia": ApplicantData(
        "Laetitia",
        "Payet",
        "1990-10-10",
        "pamandzi",
        5,
        "salarie",
        job_title="Assistante RH dans une PME",
    ),
    "julien": ApplicantData(
        "Julien",
        "Moreau",
        "1987-02-02",
        "dzaoudzi",
        5,
        "salarie",
        job_title="Chargé de recrutement",
    ),
    "dhoimir": ApplicantData("Dhoimir", "Ridjali", "1993-08-16", "tsingoni", 5, "demandeur_emploi", "4541288F"),
    "anrifia": ApplicantData("Anrifia", "Mdallah", "2005-06-25", "dzaoudzi", 4, "etudiant"),
    "toiyfa": ApplicantData("Toiyfa", "Attoumane", "1998-11-13", "pamandzi", 4, "demandeur_emploi", "4543390G"),
    "yasmina": ApplicantData("Yasmina", "Hamidou", "2000-01-21", "dzaoudzi", 4, "demandeur_emploi", "4545512H"),
    "haribou": ApplicantData("Haribou", "Combo", "2004-03-18", "koungou", 3, "jeune_sans_diplome"),
    "kadafi": ApplicantData(
        "Kadafi",
        "Bourahima",
        "1982-07-07",
        "sada",
        4,
        "salarie",
        job_title="Chef d'équipe dans le BTP",
    ),
    "mariame": ApplicantData(
        "Mariame",
        "Madi",
        "1989-09-09",
        "sada",
        4,
        "agent_public",
        job_title="Agente d'entretien, commune de Sada",
    ),
    "nourdine": ApplicantData(
        "Nourdine",
        "Soulaimana",
        "1980-12-24",
        "ouangani",
        5,
        "salarie",
        job_title="Responsable logistique",
    ),
    "rachida": ApplicantData("Rachida", "Abdallah", "1992-02-28", "chiconi", 4, "demandeur_emploi", "4548801J"),
    "soifiat": ApplicantData(
        "Soifiat",
        "Ousseni",
        "1987-05-05",
        "mtsangamouji",
        4,
        "salarie",
        job_title="Aide-soignante",
    ),
    "fahardine": ApplicantData("Fahardine", "Mohamadi", "1995-10-30", "sada", 4, "demandeur_emploi", "4550124K"),
    "issouf": ApplicantData(
        "Issouf",
        "Saïd",
        "1978-03-03",
        "bandrele",
        4,
        "salarie",
        job_title="Agent de sécurité incendie",
    ),
    "sophie": ApplicantData(
        "Sophie",
        "Martin",
        "1985-08-14",
        "mamoudzou",
        6,
        "salarie",
        job_title="Assistante de direction",
    ),
    "moinecha": ApplicantData("Moinecha", "Bacar", "1994-06-06", "sada", 4, "demandeur_emploi", "4552210L"),
    "salim": ApplicantData("Salim", "Ahamada", "1991-01-17", "chiconi", 4, "demandeur_emploi", "4553377M"),
    "nadia": ApplicantData("Nadia", "Bacar", "1996-07-27", "tsingoni", 4, "demandeur_emploi", "4554460N"),
    "abdallah": ApplicantData(
        "Abdallah",
        "Mohamed",
        "1983-11-11",
        "ouangani",
        4,
        "salarie",
        job_title="Magasinier cariste",
    ),
    "chadia": ApplicantData("Chadia", "Ali", "1999-04-04", "sada", 4, "autre"),
    "hamada": ApplicantData("Hamada", "Boura", "1975-09-12", "acoua", 0, "salarie", job_title="Aide à domicile"),
    "zakia": ApplicantData(
        "Zakia",
        "Madi",
        "1980-02-20",
        "mamoudzou",
        3,
        "salarie",
        job_title="Auxiliaire de vie sociale",
    ),
    "tsi1": ApplicantData(
        "Antoissi",
        "Abdou",
        "1977-05-19",
        "tsingoni",
        4,
        "agent_public",
        employer="tsingoni",
        job_title="Responsable du service état civil",
    ),
    "tsi2": ApplicantData(
        "Mariamati",
        "Daroussi",
        "1985-10-26",
        "tsingoni",
        4,
        "agent_public",
        employer="tsingoni",
        job_title="Agente d'accueil",
    ),
    "tsi3": ApplicantData(
        "Said",
        "Omar",
        "1980-01-14",
        "tsingoni",
        5,
        "agent_public",
        employer="tsingoni",
        job_title="Responsable des services techniques",
    ),
    "tsi4": ApplicantData(
        "Halima",
        "Ousseni",
        "1990-12-03",
        "tsingoni",
        4,
        "agent_public",
        employer="tsingoni",
        job_title="Gestionnaire des marchés publics",
    ),
}


@dataclass(frozen=True)
class Step:
    """One status an application reached: when (day offset, hour) and by whom."""

    status: str
    day: int
    hour: int = 9
    by: str = "cnam"  # "cnam", "applicant", "referent" or "" for the system
    reason: str = ""


@dataclass(frozen=True)
class ApplicationData:
    number: int
    applicant: str
    session: str
    steps: tuple[Step, ...]
    motivation: str
    channel: str = "en_ligne"
    convention: str = ""
    entry_route: str = "direct"
    entry_justification: str = ""
    rejection_reason: str = ""

    @property
    def reference(self) -> str:
        return f"CAND-DEMO-{self.number:04d}"


def submitted(day: int, hour: int = 20) -> Step:
    return Step("recue", day, hour, by="applicant")


def by_partner(day: int, hour: int = 10) -> tuple[Step, Step]:
    """A référent enrolls a member of staff: the application is received and enrolled at once."""
    return (Step("recue", day, hour, by="referent"), Step("inscrite", day, hour, by="referent"))


WITHDRAWN_JOB = "J'ai trouvé un emploi à plein temps et je ne pourrai pas suivre les cours."
CANCELLED_SESSION = "La session est annulée : le formateur n'a pas pu être remplacé."
OFFER_EXPIRED = "Le délai de réponse à la place proposée est dépassé."

APPLICATIONS = [
    # Comptabilité et gestion, evening class in Mamoudzou.
    ApplicationData(
        1,
        "amina",
        "2027-COMPTA-MAM-01",
        (submitted(-3),),
        "Titulaire d'un bac STMG, j'ai travaillé deux ans comme caissière. Je veux devenir comptable et "
        "cette formation du soir me permet de continuer à chercher un emploi en journée.",
    ),
    ApplicationData(
        2,
        "nasser",
        "2027-COMPTA-MAM-01",
        (submitted(-20), Step("acceptee", -15)),
        "Aide-comptable depuis six ans dans une entreprise de transport, je veux obtenir un titre reconnu "
        "pour évoluer vers un poste de comptable unique.",
    ),
    ApplicationData(
        3,
        "fatima",
        "2027-COMPTA-MAM-01",
        (submitted(-28), Step("acceptee", -24), Step("inscrite", -20)),
        "Après un BTS comptabilité non terminé, je souhaite reprendre mes études pour obtenir une "
        "qualification et travailler dans un cabinet d'expertise comptable de Mamoudzou.",
    ),
    ApplicationData(
        4,
        "ibrahim",
        "2027-COMPTA-MAM-01",
        (submitted(-22, 21), Step("refusee", -16, 11)),
        "J'aime les chiffres et je voudrais travailler dans un bureau.",
        entry_route="derogation",
        entry_justification=(
            "J'ai quitté le lycée en première mais j'ai aidé mon oncle à tenir les comptes de son commerce "
            "pendant deux ans."
        ),
        rejection_reason=(
            "Le titre demande des bases solides en comptabilité que nous n'avons pas retrouvées lors de "
            "l'entretien. Nous vous proposons de commencer par la formation « Compétences numériques de base "
            "et démarches en ligne », puis de revenir vers nous : un conseiller vous recontactera."
        ),
    ),
    ApplicationData(
        5,
        "zaina",
        "2027-COMPTA-MAM-01",
        (submitted(-27), Step("acceptee", -22), Step("retiree", -6, 18, by="applicant", reason=WITHDRAWN_JOB)),
        "Je veux compléter mon expérience d'assistante administrative par une vraie formation en comptabilité.",
    ),
    ApplicationData(
        6,
        "anfane",
        "2027-COMPTA-MAM-01",
        (submitted(-2, 19),),
        "Je souhaite travailler dans la gestion et j'ai besoin d'un diplôme pour être recruté.",
        entry_route="derogation",
        entry_justification=(
            "J'ai un CAP employé de commerce et je suis bénévole trésorier d'une association sportive de "
            "Sada depuis trois ans : je tiens le cahier de recettes et de dépenses."
        ),
    ),
    # Management des services publics, evening class; five seats reserved for the rectorat.
    ApplicationData(
        7,
        "faiza",
        "2027-MGTPUB-MAM-01",
        by_partner(-12),
        "Inscription au titre du plan de formation du rectorat : prise de fonctions d'encadrement.",
        channel="partenaire",
        convention="CONV-2026-001",
    ),
    ApplicationData(
        8,
        "mouslim",
        "2027-MGTPUB-MAM-01",
        by_partner(-12, 11),
        "Inscription au titre du plan de formation du rectorat : encadrement du bureau des personnels.",
        channel="partenaire",
        convention="CONV-2026-001",
    ),
    ApplicationData(
        9,
        "naima",
        "2027-MGTPUB-MAM-01",
        by_partner(-8),
        "Inscription au titre du plan de formation du rectorat : cheffe de bureau nouvellement nommée.",
        channel="partenaire",
        convention="CONV-2026-001",
    ),
    ApplicationData(
        10,
        "riziki",
        "2027-MGTPUB-MAM-01",
        (submitted(-4),),
        "Responsable d'une agence de sept personnes, je prépare un concours de la fonction publique "
        "territoriale et je veux me former au management public.",
    ),
    ApplicationData(
        11,
        "saandati",
        "2027-MGTPUB-MAM-01",
        (submitted(-23), Step("acceptee", -18), Step("inscrite", -14)),
        "Cheffe de service au CCAS, j'encadre une équipe de douze agents sans avoir été formée au management.",
    ),
    # Brevet professionnel BTP, work-study with the rectorat.
    ApplicationData(
        12,
        "ousseni",
        "2027-BPBTP-KOU-01",
        by_partner(-18),
        "Jeune accompagné par la mission de lutte contre le décrochage scolaire ; un employeur s'engage à "
        "signer un contrat d'apprentissage.",
        channel="partenaire",
        convention="CONV-2026-001",
        entry_route="derogation",
        entry_justification=(
            "Sorti du lycée professionnel en première année de CAP, il a travaillé un an sur les chantiers de "
            "son père ; le rectorat soutient sa demande (axe 2 de la convention)."
        ),
    ),
    ApplicationData(
        13,
        "kamaldine",
        "2027-BPBTP-KOU-01",
        by_partner(-18, 11),
        "Jeune décrocheur orienté par le rectorat ; entreprise d'accueil trouvée à Longoni.",
        channel="partenaire",
        convention="CONV-2026-001",
        entry_route="derogation",
        entry_justification=(
            "A suivi un dispositif de remobilisation de six mois et un stage de maçonnerie jugé très "
            "satisfaisant par l'entreprise qui souhaite l'embaucher en apprentissage."
        ),
    ),
    ApplicationData(
        14,
        "echati",
        "2027-BPBTP-KOU-01",
        (submitted(-25), Step("acceptee", -17)),
        "Titulaire d'un CAP maçon, je veux aller plus loin et pouvoir diriger une petite équipe. Mon patron "
        "est d'accord pour un contrat d'apprentissage.",
    ),
    ApplicationData(
        15,
        "hadidja",
        "2027-BPBTP-KOU-01",
        (submitted(-5),),
        "J'ai un CAP peintre et je cherche une entreprise du bâtiment pour préparer le brevet professionnel "
        "en alternance.",
    ),
    # Électricité du bâtiment, Saturday class in Chirongui.
    ApplicationData(
        16,
        "bacar",
        "2027-ELEC-CHI-01",
        (submitted(-18), Step("acceptee", -14), Step("inscrite", -9)),
        "Ouvrier du bâtiment, je veux passer l'habilitation électrique pour être plus autonome sur les chantiers.",
    ),
    ApplicationData(
        17,
        "zalifa",
        "2027-ELEC-CHI-01",
        (submitted(-15), Step("acceptee", -10)),
        "Je veux me former à un métier du bâtiment qui recrute dans le sud de l'île.",
    ),
    ApplicationData(
        18,
        "sitti",
        "2027-ELEC-CHI-01",
        (submitted(-16), Step("refusee", -11)),
        "Je veux apprendre l'électricité.",
        entry_route="derogation",
        entry_justification="Je n'ai pas de diplôme mais j'ai fait un stage de trois semaines chez un électricien.",
        rejection_reason=(
            "Votre projet est intéressant mais un stage de trois semaines ne suffit pas pour suivre cette "
            "formation. Nous vous conseillons de vous rapprocher de la mission locale pour un parcours de "
            "découverte des métiers du bâtiment, puis de présenter une nouvelle candidature."
        ),
    ),
    ApplicationData(
        19,
        "nadjati",
        "2027-ELEC-CHI-01",
        (submitted(-1, 21),),
        "Titulaire d'un CAP, je veux travailler dans l'électricité et rester dans ma commune.",
    ),
    # Licence RH, remote; three seats reserved for the rectorat.
    ApplicationData(
        20,
        "chamsidine",
        "2027-GRH-DIST-01",
        by_partner(-10),
        "Inscription au titre du plan de formation du rectorat : professionnalisation des gestionnaires RH.",
        channel="partenaire",
        convention="CONV-2026-001",
    ),
    ApplicationData(
        21,
        "laetitia",
        "2027-GRH-DIST-01",
        (submitted(-30), Step("acceptee", -25), Step("inscrite", -19)),
        "Assistante RH, je veux obtenir une licence pour devenir chargée RH ; la formation à distance me "
        "permet de continuer à travailler.",
    ),
    ApplicationData(
        22,
        "julien",
        "2027-GRH-DIST-01",
        (submitted(-6),),
        "Chargé de recrutement depuis quatre ans, je veux élargir mes compétences à la gestion des carrières.",
    ),
    ApplicationData(
        23,
        "dhoimir",
        "2027-GRH-DIST-01",
        (submitted(-29), Step("retiree", -21, 17, by="applicant", reason="Je reporte mon projet à l'an prochain.")),
        "Titulaire d'un BTS, je souhaite me reconvertir dans les ressources humaines.",
    ),
    # Développeur web, daytime at the campus connecté.
    ApplicationData(
        24,
        "anrifia",
        "2027-WEB-DZA-01",
        (submitted(-26), Step("acceptee", -19)),
        "Étudiante en première année à La Réunion, je suis revenue à Mayotte et je veux me former au "
        "développement web près de chez moi, au campus connecté.",
    ),
    ApplicationData(
        25,
        "toiyfa",
        "2027-WEB-DZA-01",
        (submitted(-7),),
        "Je crée des sites pour des associations en autodidacte et je veux un titre reconnu.",
    ),
    ApplicationData(
        26,
        "yasmina",
        "2027-WEB-DZA-01",
        (submitted(-29), Step("acceptee", -24), Step("inscrite", -17)),
        "Après un bac STI2D, je veux devenir développeuse et travailler à Mayotte.",
    ),
    ApplicationData(
        27,
        "haribou",
        "2027-WEB-DZA-01",
        (submitted(-24), Step("refusee", -18)),
        "Je veux faire de l'informatique.",
        entry_route="derogation",
        entry_justification="J'ai un CAP électricien et je répare les téléphones de mon quartier.",
        rejection_reason=(
            "Le titre demande un niveau en mathématiques et en anglais que le test de positionnement n'a pas "
            "confirmé. La session « Technicien systèmes et réseaux » ou une remise à niveau peuvent être une "
            "première étape ; nous restons à votre disposition pour en parler."
        ),
    ),
    # Sécurité et santé au travail, Saturday in Sada: full, with a waiting list.
    *(
        ApplicationData(
            number,
            key,
            "2027-SECU-SAD-01",
            (submitted(-44 + offset), Step("acceptee", -40 + offset), Step("inscrite", -35 + offset)),
            motivation,
        )
        for number, key, offset, motivation in (
            (28, "kadafi", 0, "Chef d'équipe, je dois rédiger le document unique de mon entreprise."),
            (29, "mariame", 1, "Je veux devenir assistante de prévention dans ma commune."),
            (30, "nourdine", 1, "Responsable logistique, je veux réduire les accidents dans notre entrepôt."),
            (31, "rachida", 2, "Je vise un poste de chargée de prévention dans le BTP."),
            (32, "soifiat", 3, "Aide-soignante, je veux prévenir les troubles musculo-squelettiques."),
        )
    ),
    ApplicationData(
        33,
        "moinecha",
        "2027-SECU-SAD-01",
        (
            submitted(-42),
            Step("acceptee", -38),
            Step("retiree", -20, 16, by="applicant", reason="Je déménage à La Réunion pour suivre mon conjoint."),
        ),
        "Je veux travailler dans la prévention des risques professionnels.",
    ),
    ApplicationData(
        34,
        "issouf",
        "2027-SECU-SAD-01",
        (submitted(-41), Step("acceptee", -37)),
        "Agent de sécurité incendie, je veux évoluer vers la prévention des risques.",
    ),
    ApplicationData(
        35,
        "fahardine",
        "2027-SECU-SAD-01",
        (
            submitted(-34),
            Step("liste_attente", -30),
            Step("place_proposee", -20, 17, by=""),
            Step("acceptee", -19, 8, by="applicant"),
        ),
        "Demandeur d'emploi, je veux devenir animateur sécurité dans le BTP.",
    ),
    ApplicationData(
        36,
        "salim",
        "2027-SECU-SAD-01",
        (
            submitted(-33),
            Step("liste_attente", -29),
            Step("place_proposee", -3, 10, by=""),
            Step("offre_expiree", -1, 10, by="", reason=OFFER_EXPIRED),
        ),
        "Je souhaite me spécialiser dans la prévention après dix ans de chantier.",
    ),
    ApplicationData(
        37,
        "sophie",
        "2027-SECU-SAD-01",
        (submitted(-32), Step("liste_attente", -28), Step("place_proposee", -1, 10, by="")),
        "Assistante de direction, je suis chargée de la prévention dans une entreprise de quarante salariés.",
    ),
    ApplicationData(
        38,
        "nadia",
        "2027-SECU-SAD-01",
        (submitted(-27), Step("liste_attente", -25)),
        "Je veux devenir assistante de prévention pour une collectivité.",
    ),
    ApplicationData(
        39,
        "abdallah",
        "2027-SECU-SAD-01",
        (submitted(-21), Step("liste_attente", -19)),
        "Cariste, je veux devenir référent sécurité de mon entrepôt.",
    ),
    ApplicationData(
        40,
        "chadia",
        "2027-SECU-SAD-01",
        (submitted(-9), Step("liste_attente", -8)),
        "Je reprends une activité après un congé parental et je vise les métiers de la prévention.",
    ),
    ApplicationData(
        59,
        "toiyfa",
        "2027-SECU-SAD-01",
        (submitted(-43), Step("acceptee", -37), Step("retiree", -3, 8, by="applicant", reason=WITHDRAWN_JOB)),
        "La prévention des risques m'intéresse depuis mon stage dans une entreprise de travaux publics.",
    ),
    # Gestion de la paie: applications closed, session about to start.
    ApplicationData(
        41,
        "zaina",
        "2027-PAIE-MAM-01",
        (submitted(-50), Step("acceptee", -45), Step("inscrite", -40)),
        "La paie est un métier qui recrute : je veux compléter ma formation de gestionnaire administrative.",
    ),
    ApplicationData(
        42,
        "rachida",
        "2027-PAIE-MAM-01",
        (submitted(-48), Step("acceptee", -44), Step("inscrite", -38)),
        "Je veux devenir gestionnaire de paie dans un cabinet comptable.",
    ),
    ApplicationData(
        43,
        "dhoimir",
        "2027-PAIE-MAM-01",
        (submitted(-20), Step("acceptee", -12)),
        "Après mon BTS, je veux un métier concret dans les ressources humaines.",
    ),
    ApplicationData(
        44,
        "salim",
        "2027-PAIE-MAM-01",
        (submitted(-15), Step("refusee", -9)),
        "Je cherche une formation courte pour retrouver un emploi.",
        rejection_reason=(
            "Le test de positionnement montre que les bases de calcul et de tableur nécessaires à la paie ne "
            "sont pas encore acquises. Une remise à niveau est possible avant la prochaine session, qui "
            "ouvrira au second semestre."
        ),
    ),
    # Anglais professionnel: session cancelled.
    ApplicationData(
        45,
        "julien",
        "2027-ANGLAIS-DZA-01",
        (submitted(-18), Step("acceptee", -14), Step("annulee", -4, 15, reason=CANCELLED_SESSION)),
        "Je veux pouvoir échanger avec nos partenaires de l'océan Indien anglophone.",
    ),
    ApplicationData(
        46,
        "laetitia",
        "2027-ANGLAIS-DZA-01",
        (submitted(-12), Step("annulee", -4, 15, reason=CANCELLED_SESSION)),
        "L'anglais m'est demandé pour accueillir les candidats étrangers de mon entreprise.",
    ),
    # Français professionnel: past session.
    ApplicationData(
        47,
        "hamada",
        "2026-FRPRO-CHI-01",
        (submitted(-205), Step("acceptee", -195), Step("inscrite", -180)),
        "Je veux écrire plus facilement mes comptes rendus d'intervention.",
        entry_route="derogation",
        entry_justification="Aucun diplôme, mais quinze ans d'expérience comme aide à domicile.",
    ),
    ApplicationData(
        48,
        "zakia",
        "2026-FRPRO-CHI-01",
        (submitted(-200), Step("acceptee", -190), Step("inscrite", -175)),
        "J'ai besoin d'être plus à l'aise à l'écrit pour préparer ma VAE.",
    ),
    ApplicationData(
        49,
        "echati",
        "2026-FRPRO-CHI-01",
        (submitted(-198), Step("acceptee", -188), Step("inscrite", -170)),
        "Je veux améliorer mon français écrit avant de préparer un brevet professionnel.",
    ),
    ApplicationData(
        50,
        "nadjati",
        "2026-FRPRO-CHI-01",
        (
            submitted(-196),
            Step("acceptee", -186),
            Step("inscrite", -168),
            Step("retiree", -100, 10, by="applicant", reason="J'ai commencé un contrat saisonnier."),
        ),
        "Je veux apprendre à rédiger une lettre de motivation et un CV.",
    ),
    # Conduite du changement, reserved for the commune of Tsingoni.
    *(
        ApplicationData(
            number,
            key,
            "2027-CHGT-TSI-01",
            by_partner(-9, hour),
            "Inscription par la commune de Tsingoni dans le cadre de la réorganisation des services.",
            channel="partenaire",
            convention="CONV-2026-002",
        )
        for number, key, hour in ((51, "tsi1", 9), (52, "tsi2", 9), (53, "tsi3", 10), (54, "tsi4", 10))
    ),
    # Compétences numériques de base, daytime in Chirongui, open to all levels.
    ApplicationData(
        55,
        "sitti",
        "2027-NUMBASE-CHI-01",
        (submitted(-8), Step("acceptee", -4)),
        "Mon conseiller de la mission locale m'a conseillé cette formation pour mes démarches et ma recherche "
        "d'emploi.",
        entry_route="derogation",
        entry_justification="Je n'ai pas de diplôme ; j'ai quitté le collège en troisième.",
    ),
    ApplicationData(
        56,
        "ibrahim",
        "2027-NUMBASE-CHI-01",
        (submitted(-3, 10),),
        "On m'a conseillé cette formation avant de reprendre un parcours en gestion.",
        entry_route="derogation",
        entry_justification="Je n'ai pas de diplôme ; j'ai quitté le lycée en première.",
    ),
    # Accompagnement VAE, remote.
    ApplicationData(
        57,
        "zakia",
        "2027-VAE-DIST-01",
        (submitted(-14), Step("acceptee", -7)),
        "Auxiliaire de vie depuis neuf ans, je veux obtenir le diplôme d'accompagnant éducatif et social par la VAE.",
        entry_route="vae",
        entry_justification=(
            "Neuf ans d'expérience comme auxiliaire de vie sociale auprès de personnes âgées, attestations "
            "d'employeurs à l'appui."
        ),
    ),
    ApplicationData(
        58,
        "kadafi",
        "2027-VAE-DIST-01",
        (submitted(-4),),
        "Chef d'équipe depuis douze ans, je veux faire reconnaître mon expérience par le titre de conduite de travaux.",
        entry_route="vae",
        entry_justification="Douze ans de chantier dont six comme chef d'équipe ; je joins mes certificats de travail.",
    ),
]
