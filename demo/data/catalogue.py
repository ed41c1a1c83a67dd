"""The demo catalogue: domains, programmes, sites and sessions."""

from dataclasses import dataclass

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
    # Results recorded once the session has ended (never more than the people it enrolled).
    completed_count: int | None = None
    certified_count: int | None = None


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
    # Under way: its course days, trainer and signed sheets come from demo.data.followup.
    SessionData(
        "2026-FRPRO-MAM-02",
        "francais-professionnel",
        "mamoudzou",
        "journee",
        "du lundi au vendredi, 8 h – 12 h",
        160,
        12,
        starts_in=-24,
        lasts=56,
        opens_in=-80,
        closes_in=-30,
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
        completed_count=2,
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


# The demo centre's référent handicap (a fictitious person), named on every programme page.
CENTRE = {
    "disability_referent_name": "Mariama Houmadi",
    "disability_referent_email": "referent-handicap@cnam-mayotte.example",
    "disability_referent_phone": "+262269612031",
}

CNAM = "Conservatoire national des arts et métiers (Cnam)"

# What Qualiopi's indicator 1 asks each programme to publish, by slug. Fields left out keep the
# model's default: no text (the page then shows nothing, or the general text on disability).
GROUP_METHODS = (
    "Cours en petit groupe, études de cas tirées d'entreprises et d'administrations de Mayotte, exercices "
    "pratiques et travail en binôme. Un formateur du CNAM suit chaque stagiaire entre les séances."
)
REMOTE_METHODS = (
    "Cours en ligne sur l'espace numérique du CNAM, classes virtuelles enregistrées, exercices corrigés et "
    "forum avec l'enseignant. Le campus connecté de Petite-Terre accueille ceux qui veulent travailler "
    "ensemble avec un tuteur."
)
CONTINUOUS_ASSESSMENT = (
    "Contrôle continu (exercices et études de cas notés) et une épreuve finale écrite ; la certification "
    "est délivrée quand chaque unité est validée."
)
FILE_AND_INTERVIEW = (
    "Dossier de candidature en ligne (motivation, CV, diplômes), puis un entretien avec le responsable de "
    "la formation. Les demandeurs d'emploi peuvent être orientés par leur conseiller France Travail."
)

PROGRAMME_INFORMATION: dict[str, dict] = {
    "comptabilite-et-gestion": {
        "expected_results": (
            "Tenir seul la comptabilité courante d'une petite structure, établir les déclarations de TVA et "
            "préparer les comptes annuels avec l'expert-comptable. Le titre est reconnu au niveau 5."
        ),
        "teaching_methods": GROUP_METHODS + " Les ressources en ligne complètent les cours du soir.",
        "assessment_methods": CONTINUOUS_ASSESSMENT + " Le projet tutoré est présenté devant un jury.",
        "access_terms": FILE_AND_INTERVIEW,
        "access_delay_days": 21,
        "certifier": CNAM,
        "certification_registered_on": "2023-12-14",
        "training_path": "4",
        "contact_name": "Secrétariat pédagogique — gestion",
        "contact_email": "gestion@cnam-mayotte.example",
        "contact_phone": "+262269612022",
    },
    "assistant-gestion-pme": {
        "expected_results": (
            "Prendre en charge le suivi administratif et commercial d'une TPE : devis, factures, relances, "
            "trésorerie et préparation de la paie."
        ),
        "teaching_methods": GROUP_METHODS,
        "assessment_methods": CONTINUOUS_ASSESSMENT,
        "access_terms": FILE_AND_INTERVIEW,
        "access_delay_days": 15,
        "certifier": CNAM,
        "rs_code": "RS5968",
        "certification_registered_on": "2022-06-30",
    },
    "gestion-de-la-paie": {
        "expected_results": (
            "Établir sans erreur les bulletins de paie d'une entreprise de moins de cinquante salariés et la "
            "déclaration sociale nominative du mois."
        ),
        "teaching_methods": GROUP_METHODS + " Chaque séance se fait sur un logiciel de paie du marché.",
        "assessment_methods": "Deux études de cas sur logiciel en cours de formation et une épreuve finale de paie.",
        "access_terms": FILE_AND_INTERVIEW,
        "access_delay_days": 15,
        "certifier": CNAM,
        "rs_code": "RS6120",
        "certification_registered_on": "2023-03-29",
    },
    "licence-pro-gestion-ressources-humaines": {
        "expected_results": (
            "Exercer comme assistant ou chargé de ressources humaines : recrutement, formation, carrières, "
            "dossiers du personnel. La licence est un diplôme de niveau 6."
        ),
        "teaching_methods": REMOTE_METHODS,
        "assessment_methods": (
            "Examen écrit pour chaque unité d'enseignement, mémoire professionnel soutenu devant un jury."
        ),
        "access_terms": "Dossier de candidature, puis validation du parcours par l'enseignant responsable.",
        "certifier": CNAM,
        "rncp_code": "RNCP40036",
        "certification_registered_on": "2024-12-11",
        "training_path": "3",
    },
    "developpeur-web-et-web-mobile": {
        "expected_results": (
            "Développer une application web accessible et sécurisée, du maquettage à la mise en ligne ; "
            "passer le titre professionnel de niveau 5 du ministère du Travail."
        ),
        "teaching_methods": (
            "Projets en équipe comme dans une agence, ateliers de code, revues de code avec le formateur, "
            "cours en ligne entre les séances au centre."
        ),
        "assessment_methods": (
            "Dossier de projet et mise en situation devant un jury de professionnels désigné par la DEETS."
        ),
        "access_terms": FILE_AND_INTERVIEW + " Un test de logique de trente minutes précède l'entretien.",
        "access_delay_days": 30,
        "certifier": "Ministère du Travail, de la Santé, des Solidarités et des Familles",
        "certification_registered_on": "2023-07-20",
        "training_path": "4",
    },
    "competences-numeriques-de-base": {
        "expected_results": (
            "Utiliser un ordinateur et un téléphone pour ses démarches : courriel, espace France Travail, "
            "traitement de texte, visioconférence."
        ),
        "teaching_methods": "Ateliers de dix personnes au plus, un poste par personne, exercices de la vie courante.",
        "assessment_methods": (
            "Une attestation de compétences est remise après un exercice pratique en fin de parcours."
        ),
        "access_terms": "Entretien de positionnement de vingt minutes ; aucun prérequis en informatique.",
        "access_delay_days": 8,
    },
    "technicien-systemes-et-reseaux": {
        "expected_results": "Installer, administrer et sécuriser le réseau et les serveurs d'une petite organisation.",
        "teaching_methods": REMOTE_METHODS + " Les travaux pratiques se font sur des machines virtuelles.",
        "assessment_methods": CONTINUOUS_ASSESSMENT,
        "certifier": CNAM,
        "rncp_code": "RNCP36146",
        "certification_registered_on": "2022-03-24",
        "training_path": "3",
    },
    "bp-btp-maconnerie-alternance": {
        "expected_results": (
            "Réaliser les ouvrages de gros œuvre et encadrer une petite équipe de chantier ; le brevet "
            "professionnel est un diplôme de niveau 4."
        ),
        "teaching_methods": (
            "Alternance entre le plateau technique de Koungou et l'entreprise ; un tuteur en entreprise et "
            "un formateur du centre suivent chaque apprenti."
        ),
        "assessment_methods": (
            "Contrôle en cours de formation et épreuves ponctuelles du brevet professionnel, organisées par le "
            "rectorat de Mayotte."
        ),
        "access_terms": (
            "Dossier, entretien et signature d'un contrat d'apprentissage ou de professionnalisation ; le centre "
            "aide à trouver l'entreprise d'accueil."
        ),
        "access_delay_days": 30,
        "disability_access": (
            "Le plateau technique de Koungou est de plain-pied. Les gestes et les postes de chantier peuvent "
            "être adaptés avec le médecin du travail et l'entreprise d'accueil : parlez-en au référent handicap "
            "avant la signature du contrat."
        ),
        "certifier": "Ministère de l'Éducation nationale",
        "rncp_code": "RNCP37812",
        "certification_registered_on": "2023-09-01",
        "contact_name": "Coordination de l'alternance BTP",
        "contact_email": "alternance-btp@cnam-mayotte.example",
        "contact_phone": "+262269612027",
    },
    "electricite-du-batiment": {
        "expected_results": (
            "Réaliser une installation électrique domestique conforme et préparer l'habilitation électrique."
        ),
        "teaching_methods": "Travaux pratiques sur des cabines d'apprentissage, en groupe de huit personnes.",
        "assessment_methods": "Évaluation pratique sur une installation et test de l'habilitation électrique.",
        "access_delay_days": 15,
    },
    "conduite-de-travaux-batiment": {
        "expected_results": (
            "Préparer, planifier et suivre un chantier de bâtiment : budget, équipes, sous-traitants et sécurité."
        ),
        "teaching_methods": GROUP_METHODS + " Des visites de chantier ont lieu chaque mois.",
        "assessment_methods": CONTINUOUS_ASSESSMENT + " Un rapport d'activité est soutenu devant un jury.",
        "access_terms": FILE_AND_INTERVIEW,
        "certifier": CNAM,
        "certification_registered_on": "2021-04-23",
        "training_path": "4",
    },
    "accompagnement-vae": {
        "expected_results": "Déposer un dossier de VAE complet et se préparer à l'entretien avec le jury.",
        "teaching_methods": (
            "Entretiens individuels avec un accompagnateur, à distance ou au centre, et ateliers d'écriture."
        ),
        "access_terms": "Un premier entretien gratuit vérifie que l'expérience correspond à la certification visée.",
        "access_delay_days": 8,
        "training_path": "2",
    },
    "securite-et-sante-au-travail": {
        "expected_results": "Évaluer les risques d'un service, rédiger le document unique et animer la prévention.",
        "teaching_methods": GROUP_METHODS,
        "assessment_methods": "Étude de cas écrite et présentation du document unique d'une structure réelle.",
        "access_terms": FILE_AND_INTERVIEW,
        "access_delay_days": 15,
        "certifier": CNAM,
        "rs_code": "RS5821",
        "certification_registered_on": "2021-11-25",
    },
    "mediation-sociale-acces-aux-droits": {
        "certifier": CNAM,
        "rs_code": "RS6437",
    },
    "management-et-pilotage-des-services-publics": {
        "expected_results": (
            "Encadrer une équipe d'une administration ou d'une collectivité et conduire un projet de service."
        ),
        "teaching_methods": GROUP_METHODS + " Les séances ont lieu hors du temps de service.",
        "assessment_methods": "Dossier de projet de service soutenu devant un jury.",
        "access_terms": "Inscription par l'employeur public signataire d'une convention, ou candidature individuelle.",
        "certifier": CNAM,
        "rs_code": "RS6005",
        "certification_registered_on": "2022-09-29",
    },
    "conduite-du-changement-services-publics": {
        "expected_results": "Accompagner la réorganisation d'un service : diagnostic, plan d'action, communication.",
        "teaching_methods": (
            "Ateliers sur les situations réelles de la collectivité, entre deux séances de travail en équipe."
        ),
        "access_terms": "Réservée aux agents désignés par leur collectivité.",
    },
    "francais-professionnel": {
        "expected_results": (
            "Rédiger les écrits courants du travail (courriel, compte rendu, CV) et prendre la parole en réunion."
        ),
        "teaching_methods": "Ateliers d'écriture et de prise de parole en groupe de douze personnes au plus.",
        "assessment_methods": "Positionnement à l'entrée et à la sortie ; une attestation de compétences est remise.",
        "access_terms": "Test de positionnement à l'écrit et à l'oral, puis entretien.",
        "access_delay_days": 15,
    },
    "anglais-professionnel": {
        "expected_results": "Échanger en anglais au téléphone et par écrit avec des clients et des partenaires.",
        "teaching_methods": "Cours en petit groupe et exercices sur une plateforme en ligne entre les séances.",
        "assessment_methods": "Test de certification en langue passé au centre en fin de parcours.",
        "access_terms": "Test de niveau en ligne, puis entretien.",
        "certifier": CNAM,
        "rs_code": "RS6203",
        "certification_registered_on": "2023-01-26",
    },
}
