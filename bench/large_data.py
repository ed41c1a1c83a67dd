"""The "large" data set: a whole region's catalogue, applicants and partners, for page benchmarks.

    DATABASE_URL=postgres://… DEBUG=1 .venv/bin/python bench/large_data.py [--scale 1.0] [--seed 7]

On top of ``manage.py seed_demo`` (run first when the database has no demo data), at scale 1:
2,000 published programmes over 13 domains and sites in every commune, 10,000 sessions
(past, running, open, closed, not yet open; some cancelled or in preparation, a few reserved for
a partner), 200,000 applicants with their accounts, 200,000 applications with realistic
statuses, 500,000 rows of status history and outbox together, ~50 partners with conventions
and seat allocations, and the rectorat's 5,000 staff enrollments under its own conventions.
``--scale 0.01`` makes 1 % of every figure (at least one of each).

The rules the pages rely on hold as if every row had gone through the services:
- seats follow the ledger (``enrollment.seats``): per session, seats taken plus seats that
  conventions in force still reserve never exceed the capacity, and a partner's enrollments
  never exceed its allocation; a waiting list exists only where the public seats are all taken;
- each application's history runs from its submission to its status along moves the status
  machine allows (``enrollment.services.transitions.MOVES``), by whom the services would
  record, with the dates the application keeps (decided, waitlisted, offered, enrolled, closed);
- outbox rows are what the services write for those moves (template, idempotency key with the
  history row's id, context, French subject). The outbox went live after the history began:
  only the most recent moves have their email, so history and outbox add up to the figure;
  nearly all were sent, the newest few are pending, a few failed for good.

Rows go in with PostgreSQL ``COPY`` (accounts, profiles, applications, history, outbox) or
``bulk_create`` (the catalogue, partners), under primary keys reserved from each table's
sequence up front so that rows can name one another without reading anything back; nothing
sends a signal, so the catalogue's cached fragments are made stale once at the end. One
transaction: a failure leaves nothing behind. A second run on the same database is refused.

Every account shares one password hash, of ``BENCH_PASSWORD``: like the demo's, it is public,
so ``build`` refuses to run with ``DEBUG`` off.
"""

import argparse
import datetime
import io
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnam_portal.settings")

import django
from django.apps import apps as django_apps

# A script and a module the tests import: Django is set up (once) before the portal is imported.
if not django_apps.ready:
    django.setup()

# ruff: noqa: E402
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import slugify

from cnam_portal.roles import GESTIONNAIRE
from core import claims, outbox
from core.formatting import date_long, datetime_long
from core.models import Notification
from core.references import numbers_after
from core.validators import luhn_complete
from demo import data as demo_data
from demo.data.partners import CNAM_DIRECTOR
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Situation,
)
from enrollment.models.profiles import CONSENT_TEXT
from enrollment.notifications import SUBJECT_PREFIX, SUBJECTS
from enrollment.seats import RESERVING_CONVENTION_STATES, allocations_with_usage, annotate_seats
from enrollment.services.partner_enrollment import partner_consent_deadline
from partner_space import invitations
from partners.models import Axis, Convention, ConventionArticle, Partner, PartnerMember, SeatAllocation, Signatory
from programs.freshness import catalogue_changed
from programs.models import Audience, Commune, Domain, FundingRoute, Programme, QualificationLevel, Session, Site

# The figures at scale 1.
FIGURES = {
    "programmes": 2_000,
    "sessions": 10_000,
    "applicants": 200_000,
    "applications": 200_000,
    "history_and_outbox": 500_000,
    "partners": 50,
    "big_partner_enrollments": 5_000,
}

BENCH_PASSWORD = "Lagon-Bench-976"  # noqa: S105 -- public on purpose, like the demo's; DEBUG only
BIG_PARTNER_NAME = demo_data.PARTNERS["rectorat"]["name"]
APPLICANT_DOMAIN = "candidat.example"
STAFF_DOMAIN = "cnam-mayotte.example"
BATCH = 5_000

S = ApplicationStatus
SUBMITTED, ACCEPTED, WAITLISTED, OFFERED = S.SUBMITTED, S.ACCEPTED, S.WAITLISTED, S.OFFERED
ENROLLED, REJECTED, WITHDRAWN, EXPIRED, CANCELLED = S.ENROLLED, S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED
DECISION_STATUSES = {ACCEPTED, REJECTED, WAITLISTED, ENROLLED}
FINAL_STATUSES = {REJECTED, WITHDRAWN, EXPIRED, CANCELLED}

# The moves a public application made, by final status, with their weights. Every step is one
# the status machine allows from the step before (enrollment.services.transitions.MOVES).
PUBLIC_PATHS = {
    SUBMITTED: [((SUBMITTED,), 1)],
    ACCEPTED: [((SUBMITTED, ACCEPTED), 8), ((SUBMITTED, WAITLISTED, OFFERED, ACCEPTED), 2)],
    ENROLLED: [
        ((SUBMITTED, ENROLLED), 70),
        ((SUBMITTED, ACCEPTED, ENROLLED), 27),
        ((SUBMITTED, WAITLISTED, OFFERED, ACCEPTED, ENROLLED), 3),
    ],
    WAITLISTED: [((SUBMITTED, WAITLISTED), 1)],
    OFFERED: [((SUBMITTED, WAITLISTED, OFFERED), 1)],
    REJECTED: [((SUBMITTED, REJECTED), 90), ((SUBMITTED, WAITLISTED, REJECTED), 10)],
    WITHDRAWN: [
        ((SUBMITTED, WITHDRAWN), 70),
        ((SUBMITTED, ACCEPTED, WITHDRAWN), 20),
        ((SUBMITTED, WAITLISTED, WITHDRAWN), 5),
        ((SUBMITTED, WAITLISTED, OFFERED, WITHDRAWN), 5),
    ],
    EXPIRED: [((SUBMITTED, WAITLISTED, OFFERED, EXPIRED), 1)],
    CANCELLED: [
        ((SUBMITTED, CANCELLED), 80),
        ((SUBMITTED, ACCEPTED, CANCELLED), 15),
        ((SUBMITTED, ENROLLED, CANCELLED), 5),
    ],
}
# The email each move sends (enrollment.services.*); the first step's is the acknowledgement.
TEMPLATE_OF = {
    SUBMITTED: "application_received",
    ACCEPTED: "application_accepted",
    WAITLISTED: "application_waitlisted",
    OFFERED: "seat_offered",
    ENROLLED: "application_enrolled",
    REJECTED: "application_refused",
    WITHDRAWN: "application_withdrawn",
    EXPIRED: "offer_expired",
    CANCELLED: "application_cancelled",
}

# --- Words and names -------------------------------------------------------------------------


def words(text: str) -> tuple[str, ...]:
    """The names of a space-separated list: a few lines of text instead of a line per name."""
    return tuple(text.split())


FIRST_NAMES = words(
    "Abdallah Abdou Ahmed Ali Amina Anfane Anli Anrifati Anziza Assani Attoumani Bacar Badirou Bahati "
    "Chadia Chamsidine Dhoimir Djamila Echati Faïza Fatima Hadidja Halima Hamada Haribou Ibrahim Ismaël "
    "Kadafi Kamaldine Laïla Madi Mariame Mouslim Mohamed Moussa Nadjati Naïma Nasser Nourdine Ousseni "
    "Rachidi Riziki Saandati Saïd Salim Sitti Soifiat Toiyfa Yasmina Youssouf Zaïna Zalifa Zaharia Julien "
    "Laetitia Marie Thomas Sophie Nicolas Camille Élodie Mathieu Aurélie Kévin Émilie Jérôme Céline"
)
LAST_NAMES = words(
    "Abdallah Abdou Ahamadi Ahmed Ali Assani Attoumane Attoumani Boina Bourahima Combo Daroueche Hamada "
    "Hamidou Houmadi Issouf Madi Mari Mdallah Mohamed Mouhamadi Ousseni Ridjali Saïd Salim Soilihi "
    "Youssouf Zoubert Chanfi Bacar Halidi Abdourahamane Ibrahima Massoundi Anli Boinali Colo Toumbou "
    "Andjilani Mroudjae Martin Bernard Payet Moreau Hoarau Dupont Lebon Grondin Leroy Fontaine Rivière"
)
STREETS = (
    "rue du Commerce",
    "rue de la Mairie",
    "route nationale 1",
    "rue des Écoles",
    "chemin de la Plage",
    "rue du Stade",
    "boulevard des Crabes",
    "rue de la Mosquée",
    "impasse des Manguiers",
    "rue des Ylangs",
)
POSTCODES = {
    "acoua": "97630",
    "bandraboua": "97650",
    "bandrele": "97660",
    "boueni": "97620",
    "chiconi": "97670",
    "chirongui": "97620",
    "dembeni": "97660",
    "dzaoudzi": "97615",
    "kani-keli": "97625",
    "koungou": "97690",
    "mamoudzou": "97600",
    "mtsangamouji": "97650",
    "mtsamboro": "97630",
    "ouangani": "97670",
    "pamandzi": "97615",
    "sada": "97640",
    "tsingoni": "97680",
}
# Roughly where people live (thousands of inhabitants).
COMMUNE_WEIGHTS = {
    "mamoudzou": 71,
    "koungou": 32,
    "dzaoudzi": 17,
    "dembeni": 15,
    "pamandzi": 11,
    "sada": 11,
    "tsingoni": 13,
    "bandraboua": 13,
    "chirongui": 9,
    "ouangani": 10,
    "mtsamboro": 8,
    "bandrele": 10,
    "chiconi": 8,
    "boueni": 6,
    "kani-keli": 5,
    "acoua": 5,
    "mtsangamouji": 7,
}
SITUATION_WEIGHTS = {
    Situation.JOB_SEEKER: 35,
    Situation.YOUNG_NO_DIPLOMA: 15,
    Situation.STUDENT: 10,
    Situation.EMPLOYEE: 25,
    Situation.PUBLIC_AGENT: 10,
    Situation.OTHER: 5,
}
LEVELS_BY_SITUATION = {
    Situation.JOB_SEEKER: {0: 15, 3: 30, 4: 35, 5: 15, 6: 5},
    Situation.YOUNG_NO_DIPLOMA: {0: 60, 3: 40},
    Situation.STUDENT: {4: 60, 5: 30, 6: 10},
    Situation.EMPLOYEE: {3: 25, 4: 35, 5: 25, 6: 12, 7: 3},
    Situation.PUBLIC_AGENT: {3: 15, 4: 35, 5: 30, 6: 15, 7: 5},
    Situation.OTHER: {0: 20, 3: 30, 4: 30, 5: 20},
}
BIRTH_YEARS = {
    Situation.YOUNG_NO_DIPLOMA: (2003, 2009),
    Situation.STUDENT: (1998, 2007),
}
JOB_TITLES = (
    "Aide-comptable",
    "Agent d'accueil",
    "Ouvrier du bâtiment",
    "Vendeuse en magasin",
    "Assistante administrative",
    "Chauffeur-livreur",
    "Agent d'entretien",
    "Aide à domicile",
    "Employé de restauration",
    "Technicien de maintenance",
    "Secrétaire médicale",
    "Animatrice périscolaire",
)
STAFF_TITLES = {
    Partner.Kind.RECTORAT: (
        "Professeur des écoles",
        "Secrétaire administrative en établissement",
        "Gestionnaire en établissement",
        "Assistant d'éducation",
        "Conseillère principale d'éducation",
        "Adjoint administratif",
        "Professeur de lycée professionnel",
        "Infirmière scolaire",
        "Technicien informatique",
        "Agent comptable",
    ),
    Partner.Kind.COMMUNE: (
        "Adjoint administratif territorial",
        "Agent de police municipale",
        "Agente d'état civil",
        "Adjoint technique territorial",
        "Animatrice du service jeunesse",
        "Chef de service des espaces verts",
    ),
    Partner.Kind.DEPARTEMENT: ("Rédacteur territorial", "Travailleuse sociale", "Sapeur-pompier professionnel"),
    Partner.Kind.STATE_SERVICE: ("Secrétaire administrative", "Contrôleur des finances publiques", "Aide-soignante"),
    Partner.Kind.COMPANY: ("Chef d'équipe", "Comptable", "Réceptionniste", "Conducteur d'engins", "Vendeuse"),
    Partner.Kind.ASSOCIATION: ("Médiatrice sociale", "Animateur", "Coordinatrice de projets", "Aide à domicile"),
}
STAFF_SITUATION = {
    Partner.Kind.COMPANY: Situation.EMPLOYEE,
    Partner.Kind.ASSOCIATION: Situation.EMPLOYEE,
}
MOTIVATIONS = (
    "Je souhaite me former à {subject} pour trouver un emploi stable à Mayotte.",
    "Cette formation me permettrait d'évoluer dans mon poste actuel et de prendre plus de responsabilités.",
    "Après plusieurs années d'expérience, je veux obtenir une certification reconnue en {subject}.",
    "Je suis demandeur d'emploi et mon conseiller France Travail m'a recommandé cette formation.",
    "Je veux créer mon activité et j'ai besoin de compétences en {subject}.",
    "Les horaires me permettent de suivre la formation sans quitter mon travail.",
    "Je reprends mes études et je veux un parcours qui mène à l'emploi sur l'île.",
    "Mon employeur soutient mon projet : la formation répond aux besoins de notre service.",
)
JUSTIFICATIONS = {
    Application.EntryRoute.DEROGATION: (
        "Je n'ai pas le niveau demandé mais j'exerce ce métier depuis plusieurs années.",
        "J'ai arrêté mes études avant le baccalauréat ; j'ai suivi une remise à niveau l'an dernier.",
    ),
    Application.EntryRoute.VAE: (
        "Je travaille dans ce domaine depuis plus de cinq ans et je souhaite faire valider mon expérience.",
        "Mon expérience bénévole dans une association correspond aux activités du diplôme.",
    ),
}
REJECTION_REASONS = (
    "Le niveau requis n'est pas atteint et le dossier ne justifie pas de dérogation.",
    "Le projet professionnel ne correspond pas aux objectifs de la formation.",
    "Dossier incomplet malgré nos relances.",
    "La session est complète et la liste d'attente est close.",
    "Le financement de la formation n'a pas pu être obtenu.",
)
WITHDRAWAL_REASONS = (
    "",
    "",
    "Je ne suis plus disponible aux dates de la session.",
    "J'ai trouvé un emploi.",
    "Je préfère attendre la prochaine session.",
)
CANCELLATION_REASONS = (
    "Absence non justifiée à la réunion d'information.",
    "Pièces justificatives non fournies dans les délais.",
    "Prise en charge du financement refusée.",
)
SESSION_CANCELLED_REASON = "Session annulée faute d'un nombre suffisant de participants."

DOMAINS = {
    # slug: (name, description); the demo's seven come first, then the region's others.
    "commerce-relation-client": (
        "Commerce & relation client",
        "Vente, gestion d'un point de vente et relation client.",
    ),
    "transport-logistique": (
        "Transport & logistique",
        "Entrepôt, transit, transport de marchandises et de personnes.",
    ),
    "tourisme-hotellerie-restauration": (
        "Tourisme, hôtellerie & restauration",
        "Accueil touristique, cuisine, service et hébergement.",
    ),
    "agriculture-peche-environnement": (
        "Agriculture, pêche & environnement",
        "Cultures vivrières, aquaculture, gestion de l'eau et protection du lagon.",
    ),
    "droit-administration": (
        "Droit & administration",
        "Droit public, collectivités territoriales, procédures administratives.",
    ),
    "education-animation": (
        "Éducation, animation & petite enfance",
        "Animation, accompagnement scolaire, petite enfance et encadrement sportif.",
    ),
}
SUBJECTS_BY_DOMAIN = {
    "gestion-comptabilite": (
        "Comptabilité générale",
        "Contrôle de gestion",
        "Gestion de trésorerie",
        "Fiscalité des petites entreprises",
        "Gestion financière des associations",
        "Analyse financière",
        "Création et reprise d'entreprise",
        "Tableur appliqué à la gestion",
        "Assistant comptable",
        "Gestion des achats et des stocks",
    ),
    "ressources-humaines": (
        "Gestion administrative du personnel",
        "Recrutement et intégration",
        "Droit du travail",
        "Gestion prévisionnelle des emplois et des compétences",
        "Ingénierie de formation",
        "Paie et déclarations sociales",
        "Relations sociales et dialogue social",
        "Qualité de vie au travail",
        "Carrières dans la fonction publique",
        "Assistant ressources humaines",
    ),
    "informatique-numerique": (
        "Bureautique",
        "Développement web",
        "Administration de réseaux",
        "Cybersécurité",
        "Bases de données",
        "Support informatique aux utilisateurs",
        "Culture numérique et certification Pix",
        "Conception de sites accessibles",
        "Programmation Python",
        "Analyse de données",
    ),
    "batiment-travaux-publics": (
        "Maçonnerie",
        "Électricité du bâtiment",
        "Plomberie et sanitaire",
        "Menuiserie",
        "Conduite d'engins de chantier",
        "Métré et études de prix",
        "Lecture de plans",
        "Prévention des risques sur chantier",
        "Froid et climatisation",
        "Conduite de travaux",
    ),
    "sanitaire-social": (
        "Accompagnement des personnes âgées",
        "Aide à domicile",
        "Médiation sociale",
        "Prévention et secours civiques",
        "Santé et sécurité au travail",
        "Accompagnement du handicap",
        "Hygiène et propreté",
        "Accueil en structure sociale",
        "Éducation à la santé",
        "Coordination de parcours de soins",
    ),
    "management-public": (
        "Management d'équipe",
        "Conduite de projet",
        "Finances publiques locales",
        "Marchés publics",
        "Conduite du changement",
        "Pilotage par les indicateurs",
        "Accueil des usagers",
        "Encadrement de proximité",
        "Politiques publiques territoriales",
        "Évaluation des politiques publiques",
    ),
    "langues-communication": (
        "Français professionnel",
        "Anglais professionnel",
        "Écrits administratifs",
        "Prise de parole en public",
        "Communication numérique",
        "Français langue étrangère",
        "Shimaoré pour les professionnels",
        "Rédaction de rapports",
        "Techniques de négociation",
        "Anglais du tourisme",
    ),
    "commerce-relation-client": (
        "Vente en magasin",
        "Relation client à distance",
        "Gestion d'un point de vente",
        "Marchandisage",
        "Commerce international",
        "Télévente",
        "Commerce en ligne",
        "Animation commerciale",
        "Négociation commerciale",
        "Service après-vente",
    ),
    "transport-logistique": (
        "Logistique d'entrepôt",
        "Transit et douane",
        "Transport routier de marchandises",
        "Conduite de chariots élévateurs",
        "Gestion de flotte",
        "Chaîne logistique",
        "Logistique portuaire",
        "Transport de personnes",
        "Préparation de commandes",
        "Exploitation des transports",
    ),
    "tourisme-hotellerie-restauration": (
        "Accueil touristique",
        "Cuisine",
        "Service en salle",
        "Hébergement touristique",
        "Guide nature et patrimoine",
        "Hygiène alimentaire (HACCP)",
        "Gestion d'un restaurant",
        "Écotourisme",
        "Réception hôtelière",
        "Pâtisserie",
    ),
    "agriculture-peche-environnement": (
        "Agriculture vivrière",
        "Aquaculture",
        "Gestion des déchets",
        "Protection du lagon",
        "Maraîchage biologique",
        "Pêche professionnelle",
        "Eau et assainissement",
        "Énergie solaire",
        "Espaces verts",
        "Transition écologique",
    ),
    "droit-administration": (
        "Droit des collectivités territoriales",
        "Droit public",
        "Secrétariat juridique",
        "Procédures administratives",
        "Droit de la famille",
        "État civil",
        "Archivage",
        "Protection des données personnelles (RGPD)",
        "Gestion des contentieux",
        "Urbanisme",
    ),
    "education-animation": (
        "Animation socioculturelle",
        "Petite enfance",
        "Accompagnement scolaire",
        "Encadrement sportif",
        "Formation de formateurs",
        "Éducation populaire",
        "Tutorat au campus connecté",
        "Orientation et insertion des jeunes",
        "Animation périscolaire",
        "Médiation numérique",
    ),
}
# (title suffix, certification type, modality, session rhythm, work-study, audiences)
QUALIFIERS = (
    ("initiation", "qualifiante", None, None, False, ()),
    ("perfectionnement", "certificat", None, None, False, ()),
    ("parcours certifiant", "certificat", None, None, False, ()),
    ("cours du soir", None, "presentiel", "soir", False, ("salaries", "agents-publics")),
    ("le samedi", None, "presentiel", "samedi", False, ("salaries",)),
    ("en alternance", "titre_rncp", "presentiel", "alternance", True, ("jeunes", "demandeurs-emploi")),
    ("à distance", None, "distance", "distance", False, ()),
    ("parcours hybride", None, "hybride", None, False, ()),
    ("pour les agents publics", None, None, "soir", False, ("agents-publics",)),
    ("pour les associations", "qualifiante", None, None, False, ("salaries", "tout-public")),
    ("pour les très petites entreprises", "certificat", None, None, False, ("salaries",)),
    ("pour les demandeurs d'emploi", "qualifiante", "presentiel", "journee", False, ("demandeurs-emploi",)),
    ("préparation au titre professionnel", "titre_rncp", None, None, False, ()),
    ("module 1 : les fondamentaux", "qualifiante", None, None, False, ()),
    ("module 2 : approfondissement", "certificat", None, None, False, ()),
    ("validation des acquis de l'expérience", "vae", "distance", "distance", False, ("salaries", "agents-publics")),
    ("remise à niveau", "qualifiante", "presentiel", "journee", False, ("jeunes", "tout-public")),
    ("session intensive", None, "presentiel", "journee", False, ()),
    ("au campus connecté", "diplome", "hybride", None, False, ("jeunes",)),
    ("pour les jeunes de 16 à 25 ans", "qualifiante", "presentiel", "journee", False, ("jeunes",)),
    ("licence professionnelle", "diplome", "distance", "distance", False, ("salaries", "agents-publics")),
)
CERTIFICATION_WEIGHTS = {"diplome": 15, "titre_rncp": 20, "certificat": 30, "qualifiante": 30, "vae": 5}
CODE_PREFIX = {"diplome": "DN", "titre_rncp": "TP", "certificat": "CC", "qualifiante": "FQ", "vae": "VA"}
SCHEDULES = {
    Session.Rhythm.EVENING: (
        "lundi et mercredi, 17 h 30 – 20 h 30",
        "mardi et jeudi, 17 h 30 – 20 h 30",
        "mardi et vendredi, 18 h – 21 h",
    ),
    Session.Rhythm.SATURDAY: ("samedi, 8 h – 12 h", "samedi, 8 h – 16 h"),
    Session.Rhythm.DAYTIME: (
        "du lundi au vendredi, 8 h – 15 h",
        "lundi, mardi et jeudi, 8 h – 12 h",
        "quatre matinées par semaine, 8 h – 12 h",
    ),
    Session.Rhythm.REMOTE: (
        "cours en ligne ; classe virtuelle le mercredi, 18 h – 20 h",
        "à votre rythme ; tutorat le samedi matin",
    ),
    Session.Rhythm.WORK_STUDY: ("deux semaines au centre, deux semaines en entreprise ; 7 h 30 – 15 h 30 au centre",),
}
SITE_KINDS = (
    ("Maison France Services de {label}", "Salle de plain-pied."),
    ("Antenne CNAM de {label}", "Accessible en fauteuil roulant ; postes informatiques à disposition."),
    ("Salle polyvalente de {label}", "Accès par une rampe."),
)
# (kind, name, commune) of the region's partners besides the demo's; communes come from Commune.
OTHER_PARTNERS = (
    ("commune", "Communauté d'agglomération de Dembéni-Mamoudzou", "mamoudzou"),
    ("commune", "Communauté de communes de Petite-Terre", "dzaoudzi"),
    ("commune", "Communauté de communes du Sud", "bandrele"),
    ("commune", "Communauté de communes du Centre-Ouest", "ouangani"),
    ("commune", "Communauté d'agglomération du Grand Nord de Mayotte", "koungou"),
    ("commune", "Centre communal d'action sociale de Mamoudzou", "mamoudzou"),
    ("commune", "Centre communal d'action sociale de Koungou", "koungou"),
    ("etat", "Préfecture de Mayotte", "mamoudzou"),
    ("etat", "Agence régionale de santé de Mayotte", "mamoudzou"),
    ("etat", "Centre hospitalier de Mayotte", "mamoudzou"),
    ("etat", "Direction de l'économie, de l'emploi, du travail et des solidarités", "mamoudzou"),
    ("etat", "Régiment du service militaire adapté de Mayotte", "dzaoudzi"),
    ("etat", "Direction des finances publiques de Mayotte", "mamoudzou"),
    ("etat", "Chambre de commerce et d'industrie de Mayotte", "mamoudzou"),
    ("departement", "Service départemental d'incendie et de secours de Mayotte", "dembeni"),
    ("departement", "Maison départementale des personnes handicapées de Mayotte", "mamoudzou"),
    ("entreprise", "Lagon Bâtiment SARL", "koungou"),
    ("entreprise", "Transports Ylang Nord", "bandraboua"),
    ("entreprise", "Hôtel Le Baobab", "sada"),
    ("entreprise", "Supermarchés du Lagon", "mamoudzou"),
    ("entreprise", "Mayotte Énergies Solaires", "dembeni"),
    ("entreprise", "Coopérative agricole de Coconi", "ouangani"),
    ("entreprise", "Cabinet Mtsapéré Expertise comptable", "mamoudzou"),
    ("entreprise", "Aquaculture de la baie de Bouéni", "boueni"),
    ("entreprise", "Clinique du Nord", "koungou"),
    ("association", "Association Wana Maore Insertion", "mamoudzou"),
    ("association", "Association Femmes entrepreneures de Mayotte", "mamoudzou"),
    ("association", "Association Sport et insertion de Koungou", "koungou"),
    ("association", "Association Jardins partagés de Chiconi", "chiconi"),
    ("association", "Association Lecture pour tous", "dzaoudzi"),
    ("association", "Association Aide à domicile du Sud", "chirongui"),
    ("association", "Association Maison du numérique de Petite-Terre", "pamandzi"),
    ("association", "Association Protection du lagon", "mtsamboro"),
    ("association", "Association Culture et patrimoine de Sada", "sada"),
)


def figure(name: str, scale: float) -> int:
    """One of ``FIGURES`` at ``scale``, never below one."""
    return max(1, round(FIGURES[name] * scale))


def spread(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), summing exactly to ``total``."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * weight / weight_sum for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def email_local(*parts: str) -> str:
    """An address's local part from names: lower case, no accent, no space or apostrophe."""
    text = ".".join(slugify(part) for part in parts)
    return text.replace("--", "-")


# --- PostgreSQL bulk writes ------------------------------------------------------------------


def reserve_ids(model, count: int) -> int:
    """Reserve ``count`` primary keys from the table's sequence; returns the first.

    Rows then name one another (an application its session and applicant, a notification its
    history row) before any is written, so nothing is read back. The run writes alone.
    """
    if count <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def copy_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """``COPY`` rows (values in the order of ``fields``, attribute names) into the model's table.

    A column the model has and ``fields`` leaves out gets its field's default, the same for every
    row (a field added since this file was written); one with neither default nor NULL stops
    the run, naming it, rather than failing in the middle of the copy.
    """
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    columns = [field.column for field in given]
    extra_columns, extra_values = [], []
    for field in meta.concrete_fields:
        if field.column in columns:
            continue
        if field.has_default():
            extra_columns.append(field.column)
            extra_values.append(field.get_db_prep_save(field.get_default(), connection))
        elif not field.null:
            raise RuntimeError(f"bench/large_data.py writes no value for {meta.label}.{field.name}: add it.")
    quote = connection.ops.quote_name
    sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(column) for column in columns + extra_columns)}) FROM STDIN"
    extra = tuple(extra_values)
    count = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *extra) if extra else row)
            count += 1
    return count


# --- The plan of one application --------------------------------------------------------------


class Planned:
    """One application to write: its session, its person and its moves ``(status, by, at, reason)``.

    ``by`` is a user's primary key, ``"applicant"`` (the person, whose key is known only when
    the accounts are written) or None (a sweep).
    """

    __slots__ = (
        "applicant",
        "channel",
        "convention",
        "enrolled_by",
        "entry_route",
        "id",
        "justification",
        "motivation",
        "reference",
        "rejection_reason",
        "session",
        "steps",
    )

    def __init__(self, session: Session, applicant: int, channel: str):
        self.session = session
        self.applicant = applicant  # index in the builder's arrays of people
        self.channel = channel
        self.convention: Convention | None = None
        self.enrolled_by: int | None = None
        self.entry_route = Application.EntryRoute.DIRECT
        self.justification = ""
        self.motivation = ""
        self.rejection_reason = ""
        self.steps: list[tuple[str, int | str | None, datetime.datetime, str]] = []
        self.reference = ""
        self.id = 0

    @property
    def status(self) -> str:
        return self.steps[-1][0]

    @property
    def by_partner(self) -> bool:
        return self.channel == Application.Channel.PARTNER


# The arrays that describe the people, one value per person.
PERSON_FIELDS = (
    "first",
    "last",
    "email",
    "birth",
    "phone",
    "commune",
    "address",
    "level",
    "situation",
    "ft_id",
    "employer",
    "job",
    "joined",
)


class LargeDataBuilder:
    """Writes the large data set; one instance per run, inside the caller's transaction."""

    def __init__(self, *, scale: float, seed: int, stdout=None):
        self.scale = scale
        self.rng = random.Random(seed)
        self.stdout = stdout
        self.started = time.perf_counter()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_default_timezone()
        self.hold = datetime.timedelta(hours=settings.OFFER_HOLD_HOURS)
        self.counts: Counter[str] = Counter()
        # Hashing is slow on purpose: one hash for every account.
        self.password = make_password(BENCH_PASSWORD)
        self.staff_ids: list[int] = []
        self.referent: dict[int, object] = {}  # partner pk -> the référent's account
        self.partners: list[Partner] = []
        self.programmes: list[Programme] = []
        self.rhythm_of: dict[str, str | None] = {}  # programme slug -> the rhythm its title promises
        self.sessions: list[Session] = []
        self.phase: dict[int, str] = {}
        self.cancelled_at: dict[int, datetime.datetime] = {}
        self.convention_numbers: dict[int, int] = {}
        # session pk -> [(convention, seats, seats its enrollments hold)]
        self.allocations: dict[int, list[tuple[Convention, int, int]]] = defaultdict(list)
        # (convention, session, holds a seat?) of each partner enrollment
        self.partner_plans: list[tuple[Convention, Session, bool]] = []
        self.pool_of: dict[int, range] = {}  # partner pk -> its staff, as indexes of people
        self.public_people: range = range(0)
        self.people: dict[str, list] = {}
        self.sessions_of: dict[int, set[int]] = defaultdict(set)  # person -> sessions applied to
        self.applications: list[Planned] = []
        self.first_user = 0

    # --- helpers ----------------------------------------------------------------------------

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"[{time.perf_counter() - self.started:6.1f} s] {message}\n")
            self.stdout.flush()

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def start_of(self, session: Session) -> datetime.datetime:
        return self.at(session.start_date, 0)

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        return start if end <= start else start + (end - start) * self.rng.random()

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def made(self, model, count: int) -> None:
        self.counts[model._meta.label] += count

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.seed_reference_data()
        self.seed_partners()
        self.say(f"{len(self.partners)} partners with their référents")
        self.seed_sites()
        self.seed_programmes()
        self.seed_sessions()
        self.say(f"{len(self.programmes)} programmes, {len(self.sessions)} sessions")
        self.seed_conventions()
        self.plan_people()
        self.say(
            f"{self.counts['partners.Convention']} conventions, {self.counts['partners.SeatAllocation']} allocations, "
            f"{len(self.pool_of.get(self.big_partner.pk, ()))} rectorat staff"
        )
        self.plan_partner_applications()
        self.plan_public_applications()
        self.assign_references()
        self.say(f"{len(self.applications)} applications planned")
        self.write_people()
        self.say(f"{self.counts['enrollment.ApplicantProfile']} applicants written")
        self.write_applications()
        self.say(
            f"{self.counts['enrollment.Application']} applications, "
            f"{self.counts['enrollment.ApplicationStatusChange']} history rows, "
            f"{self.counts['core.Notification']} notifications written"
        )
        self.check()
        self.say("seats checked, statistics refreshed")
        # Nothing sent post_save: the catalogue's cached fragments are made stale once, at commit.
        catalogue_changed()
        return dict(sorted(self.counts.items()))

    # --- reference data, staff, domains -----------------------------------------------------

    def seed_reference_data(self) -> None:
        user_model = get_user_model()
        self.big_partner = Partner.objects.get(name=BIG_PARTNER_NAME)
        member = (
            PartnerMember.objects.filter(partner=self.big_partner, role=PartnerMember.Role.REFERENT, user__isnull=False)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if member is None:
            raise RuntimeError(f"{BIG_PARTNER_NAME} has no référent with an account: run seed_demo.")
        self.referent[self.big_partner.pk] = member.user
        self.axes = {axis.number: axis for axis in Axis.objects.all()}
        self.audiences = {audience.code: audience for audience in Audience.objects.all()}
        self.remote_site = Site.objects.filter(is_remote=True).order_by("pk").first()
        if self.remote_site is None:
            self.remote_site = Site.objects.create(name="À distance", is_remote=True)
            self.made(Site, 1)
        # The training managers who decide on applications, with the demo's administrator.
        staff = user_model.objects.bulk_create(
            user_model(
                username=f"{email_local(first, last)}@{STAFF_DOMAIN}",
                email=f"{email_local(first, last)}@{STAFF_DOMAIN}",
                first_name=first,
                last_name=last,
                password=self.password,
                is_staff=True,
                date_joined=self.at(self.day(-1200)),
            )
            for first, last in (("Soilihi", "Ahamada"), ("Claire", "Martin"), ("Anli", "Madi"), ("Hadidja", "Combo"))
        )
        self.made(user_model, len(staff))
        self.verify_emails(staff)
        group = Group.objects.filter(name=GESTIONNAIRE).first()
        if group is not None:
            group.user_set.add(*staff)
        admin = user_model.objects.filter(is_superuser=True).order_by("pk").first()
        self.staff_ids = [user.pk for user in staff] + ([admin.pk] if admin else [])
        existing = set(Domain.objects.values_list("slug", flat=True))
        position = Domain.objects.count()
        new = []
        for slug, (name, description) in DOMAINS.items():
            if slug not in existing:
                position += 1
                new.append(Domain(slug=slug, name=name, description=description, position=position))
        Domain.objects.bulk_create(new)
        self.made(Domain, len(new))
        self.domains = {domain.slug: domain for domain in Domain.objects.filter(slug__in=SUBJECTS_BY_DOMAIN)}
        missing = set(SUBJECTS_BY_DOMAIN) - set(self.domains)
        if missing:
            raise RuntimeError(f"Domains missing (run seed_demo): {sorted(missing)}")

    def verify_emails(self, users) -> None:
        # Sign-in asks for a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        self.made(EmailAddress, len(users))

    # --- partners ---------------------------------------------------------------------------

    def seed_partners(self) -> None:
        rng = self.rng
        existing = set(Partner.objects.values_list("name", flat=True))
        sirets = set(Partner.objects.exclude(siret="").values_list("siret", flat=True))
        candidates = [
            (Partner.Kind.COMMUNE, f"Commune {'d' + chr(39) if label[0] in 'AEIOUÉ' else 'de '}{label}", code)
            for code, label in Commune.choices
        ] + list(OTHER_PARTNERS)
        candidates = [candidate for candidate in candidates if candidate[1] not in existing]
        rng.shuffle(candidates)
        partners, number = [], 0
        for kind, name, commune in candidates[: figure("partners", self.scale)]:
            siret = ""
            while not siret or siret in sirets:
                number += 1
                siret = luhn_complete(luhn_complete(f"{31_000_000 + number * 7_919:08d}") + "0001")
            sirets.add(siret)
            partners.append(
                Partner(
                    name=name,
                    kind=kind,
                    siret=siret,
                    commune=commune,
                    address=f"{rng.randint(1, 90)} {rng.choice(STREETS)}, {POSTCODES[commune]} "
                    f"{Commune(commune).label}",
                    contact_name="Direction des ressources humaines",
                    contact_email=f"rh@{slugify(name)[:40]}.example",
                    contact_phone=f"+262269{rng.randint(600_000, 699_999)}",
                )
            )
        self.partners = Partner.objects.bulk_create(partners)
        self.made(Partner, len(self.partners))
        user_model = get_user_model()
        users = []
        for partner in self.partners:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{email_local(first, last)}@{slugify(partner.name)[:40]}.example"
            users.append(
                user_model(
                    username=email,
                    email=email,
                    first_name=first,
                    last_name=last,
                    password=self.password,
                    date_joined=self.at(self.day(-900)),
                )
            )
        users = user_model.objects.bulk_create(users)
        self.made(user_model, len(users))
        self.verify_emails(users)
        members = []
        for partner, user in zip(self.partners, users, strict=True):
            self.referent[partner.pk] = user
            members.append(
                PartnerMember(
                    partner=partner,
                    user=user,
                    email=user.email,
                    full_name=f"{user.first_name} {user.last_name}",
                    job_title="Responsable de la formation des agents",
                    role=PartnerMember.Role.REFERENT,
                    invited_at=self.at(self.day(-901)),
                    joined_at=self.at(self.day(-900)),
                )
            )
        PartnerMember.objects.bulk_create(members)
        self.made(PartnerMember, len(members))

    # --- catalogue --------------------------------------------------------------------------

    def seed_sites(self) -> None:
        existing = set(Site.objects.values_list("name", "commune"))
        new = []
        for code, label in Commune.choices:
            # The big towns have a third site.
            kinds = SITE_KINDS if code in ("mamoudzou", "koungou", "dzaoudzi") else SITE_KINDS[:2]
            for pattern, accessibility in kinds:
                name = pattern.format(label=label)
                if (name, code) not in existing:
                    street = self.rng.choice(STREETS)
                    new.append(
                        Site(
                            name=name,
                            commune=code,
                            address=f"{street[0].upper()}{street[1:]}, {POSTCODES[code]} {label}",
                            accessibility=accessibility,
                        )
                    )
        Site.objects.bulk_create(new)
        self.made(Site, len(new))
        self.sites = list(Site.objects.filter(is_remote=False).order_by("pk"))
        self.site_weights = [COMMUNE_WEIGHTS.get(site.commune, 5) for site in self.sites]

    @staticmethod
    def programme_titles() -> list[tuple[str, int, str]]:
        """(domain slug, qualifier index, subject) of every programme title, in one fixed order."""
        combos = [
            (domain, index, subject)
            for domain, subjects in SUBJECTS_BY_DOMAIN.items()
            for subject in subjects
            for index in range(len(QUALIFIERS))
        ]
        random.Random(0).shuffle(combos)
        return combos

    @staticmethod
    def title_of(qualifier: int, subject: str) -> str:
        return f"{subject} — {QUALIFIERS[qualifier][0]}"

    def seed_programmes(self) -> None:
        count = figure("programmes", self.scale)
        existing = set(Programme.objects.values_list("slug", flat=True))
        programmes, audience_codes = [], []
        # The search document holds French labels (the certification type), as save() writes it.
        with translation.override(settings.LANGUAGE_CODE):
            for number, (domain, qualifier, subject) in enumerate(self.programme_titles()):
                if len(programmes) == count:
                    break
                title = self.title_of(qualifier, subject)
                slug = slugify(title)[:200]
                if slug in existing:
                    continue
                programme = self.programme(number, self.domains[domain], title, slug, subject, qualifier)
                programme.search_document = programme.build_search_document()
                programmes.append(programme)
                audiences = QUALIFIERS[qualifier][5] or self.rng.sample(sorted(self.audiences), self.rng.randint(1, 3))
                audience_codes.append(sorted(set(audiences) & set(self.audiences)))
                self.rhythm_of[slug] = QUALIFIERS[qualifier][3]
        if len(programmes) < count:
            raise RuntimeError(f"Only {len(programmes)} programme titles are left; {count} wanted.")
        self.programmes = Programme.objects.bulk_create(programmes, batch_size=BATCH)
        self.made(Programme, len(self.programmes))
        through = Programme.audiences.through
        links = through.objects.bulk_create(
            [
                through(programme_id=programme.pk, audience_id=self.audiences[code].pk)
                for programme, codes in zip(self.programmes, audience_codes, strict=True)
                for code in codes
            ],
            batch_size=BATCH,
        )
        self.made(through, len(links))
        Programme.objects.filter(pk__in=[programme.pk for programme in self.programmes]).refresh_search_vectors()

    def programme(self, number: int, domain: Domain, title: str, slug: str, subject: str, qualifier: int):
        rng = self.rng
        _suffix, certification, modality, _rhythm, work_study, _audiences = QUALIFIERS[qualifier]
        certification = certification or self.weighted(CERTIFICATION_WEIGHTS)
        modality = modality or self.weighted({"presentiel": 55, "hybride": 25, "distance": 20})
        level = {
            "diplome": rng.choice((4, 5, 5, 6, 6, 7)),
            "titre_rncp": rng.choice((4, 5, 5, 6)),
            "certificat": rng.choice((4, 5, 6)),
        }.get(certification)
        entry_level = (
            QualificationLevel.LEVEL_3 if certification in ("qualifiante", "vae") else max(3, min(5, level - 1))
        )
        hours = {
            "diplome": rng.randrange(450, 1201, 50),
            "titre_rncp": rng.randrange(400, 901, 50),
            "certificat": rng.randrange(60, 301, 10),
            "qualifiante": rng.randrange(35, 211, 7),
            "vae": rng.randrange(16, 41, 4),
        }[certification]
        routes = set(rng.sample(FundingRoute.values, rng.randint(1, 4)))
        price = rng.choice((None, "0", "0", "0", "450", "720", "980", "1150", "1600", "2450", "3200", "3900"))
        if price == "0":
            price_note = "Financée par le Conseil départemental de Mayotte : rien à payer pour les personnes retenues."
        elif price and FundingRoute.FRANCE_TRAVAIL in routes:
            price_note = "Pris en charge pour les demandeurs d'emploi inscrits à France Travail."
        else:
            price_note = ""
        lowered = subject[0].lower() + subject[1:]
        return Programme(
            domain=domain,
            title=title,
            slug=slug,
            code=f"{CODE_PREFIX[certification]}{20_000 + number}",
            summary=f"{title} : une formation du CNAM Mayotte pensée pour les besoins du territoire.",
            objectives=(
                f"Maîtriser les fondamentaux du domaine « {lowered} », les appliquer en situation professionnelle "
                "et présenter son travail devant un jury ou un tuteur."
            ),
            content=(
                f"Apports en {lowered}, études de cas d'organisations de Mayotte, travaux pratiques en petits "
                "groupes, accompagnement individuel et évaluation finale."
            ),
            prerequisites=(
                "Niveau baccalauréat (niveau 4) et une motivation réelle pour le métier visé ; une dérogation "
                "ou un parcours VAE peut être demandé."
                if entry_level >= 4
                else "Savoir lire et écrire en français ; aucun diplôme n'est exigé."
            ),
            certification_type=certification,
            certification_level=level,
            rncp_code=f"RNCP{30_000 + number}" if certification == "titre_rncp" else "",
            entry_level=entry_level,
            modality=modality,
            rhythm={"distance": "À distance, classes virtuelles", "hybride": "Présentiel et ressources en ligne"}.get(
                modality, "Cours en présentiel"
            ),
            is_work_study=work_study,
            vae_available=certification in ("diplome", "titre_rncp", "vae") and rng.random() < 0.6,
            duration_hours=hours,
            duration_months=None if hours < 60 else max(1, min(60, round(hours / 45))),
            price_eur=Decimal(price) if price is not None else None,
            price_note=price_note,
            funding_routes=[route for route in FundingRoute.values if route in routes],
            response_days=rng.choice((7, 10, 15, 15, 21, 30)),
            status=Programme.Status.PUBLISHED,
            published_at=self.at(self.day(-rng.randint(30, 1500)), 10),
        )

    def seed_sessions(self) -> None:
        rng = self.rng
        count = max(figure("sessions", self.scale), len(self.programmes))
        per_programme = [1] * len(self.programmes)
        popularity = [rng.uniform(0.3, 2.0) for _ in self.programmes]
        for index, extra in enumerate(spread(count - len(self.programmes), popularity)):
            per_programme[index] += extra
        sessions = []
        for programme, number in zip(self.programmes, per_programme, strict=True):
            for position, offset in enumerate(sorted(rng.randint(-1000, 330) for _ in range(number)), start=1):
                sessions.append(self.session(programme, position, offset))
        self.sessions = Session.objects.bulk_create(sessions, batch_size=BATCH)
        self.made(Session, len(self.sessions))
        for session in self.sessions:
            self.phase[session.pk] = self.session_phase(session)

    def session(self, programme: Programme, position: int, offset: int) -> Session:
        rng = self.rng
        start = self.day(offset)
        rhythm = self.rhythm_of.get(programme.slug)
        if programme.is_work_study:
            rhythm = Session.Rhythm.WORK_STUDY
        elif programme.modality == Programme.Modality.REMOTE:
            rhythm = Session.Rhythm.REMOTE
        elif rhythm is None or rhythm == Session.Rhythm.REMOTE:
            rhythm = rng.choice((Session.Rhythm.EVENING, Session.Rhythm.SATURDAY, Session.Rhythm.DAYTIME))
        if rhythm == Session.Rhythm.REMOTE:
            site = self.remote_site
        else:
            site = rng.choices(self.sites, weights=self.site_weights)[0]
        months = programme.duration_months
        lasts = months * 30 - rng.randint(0, 10) if months else rng.randint(5, 40)
        state = Session.State.SCHEDULED
        if offset > 60 and rng.random() < 0.15:
            state = Session.State.DRAFT
        elif rng.random() < 0.04:
            state = Session.State.CANCELLED
        place = "DIST" if site.is_remote else site.commune[:3].upper()
        return Session(
            programme=programme,
            reference=f"{start.year}-{programme.code}-{place}-{position:02d}",
            site=site,
            start_date=start,
            end_date=start + datetime.timedelta(days=max(1, lasts)),
            rhythm=rhythm,
            schedule=rng.choice(SCHEDULES[rhythm]),
            hours=programme.duration_hours,
            capacity=round(rng.triangular(8, 30, 16)),
            applications_open_at=self.at(start - datetime.timedelta(days=rng.randint(45, 90)), 8),
            applications_close_at=self.at(start - datetime.timedelta(days=rng.randint(3, 15)), 23, 59),
            state=state,
        )

    def session_phase(self, session: Session) -> str:
        if session.end_date < self.today:
            return "past"
        if session.start_date <= self.today:
            return "running"
        if session.applications_open_at > self.now:
            return "upcoming"
        if session.applications_close_at < self.now:
            return "closed"
        return "open"

    # --- conventions and their seats ----------------------------------------------------------

    def next_reference(self, year: int) -> str:
        prefix = f"CONV-{year}-"
        if year not in self.convention_numbers:
            self.convention_numbers[year] = max(numbers_after(model=Convention, prefix=prefix), default=0)
        self.convention_numbers[year] += 1
        return f"{prefix}{self.convention_numbers[year]:03d}"

    def convention(self, partner: Partner, *, state: str, start: int, lasts: int, title: str) -> Convention:
        start_day = self.day(start)
        signed = state in (Convention.State.SIGNED, Convention.State.EXPIRED, Convention.State.TERMINATED)
        return Convention(
            reference=self.next_reference(start_day.year),
            partner=partner,
            title=title,
            preamble=(
                f"{partner.name} et le CNAM Mayotte s'associent pour élever le niveau de qualification des "
                "agents et des habitants du territoire, dans le respect du schéma régional de formation."
            ),
            start_date=start_day,
            end_date=start_day + datetime.timedelta(days=lasts),
            state=state,
            signed_on=start_day - datetime.timedelta(days=self.rng.randint(5, 40)) if signed else None,
            financial_terms=(
                "Le partenaire prend en charge les frais de formation de ses agents inscrits au titre de la "
                "présente convention, sur la base du coût horaire du CNAM Mayotte."
            ),
            amount=Decimal(self.rng.randrange(5_000, 250_001, 500)),
        )

    def seed_conventions(self) -> None:
        rng = self.rng
        big = self.big_partner
        plans = [
            (big, Convention.State.EXPIRED, -1100, 730, "Plan de formation des personnels du rectorat (2023-2025)"),
            (big, Convention.State.SIGNED, -540, 1095, "Montée en compétences des personnels du rectorat"),
            (big, Convention.State.SIGNED, -180, 1080, "Formation des personnels administratifs et techniques"),
            (big, Convention.State.TO_SIGN, 30, 1095, "Plan de formation des personnels du rectorat (2e période)"),
        ]
        states = {
            Convention.State.SIGNED: 60,
            Convention.State.EXPIRED: 15,
            Convention.State.TO_SIGN: 10,
            Convention.State.DRAFT: 10,
            Convention.State.TERMINATED: 5,
        }
        periods = {
            Convention.State.SIGNED: lambda: (-rng.randint(30, 700), rng.randint(760, 1095)),
            Convention.State.EXPIRED: lambda: (-rng.randint(800, 1000), rng.randint(365, 700)),
            Convention.State.TO_SIGN: lambda: (rng.randint(-30, 60), 730),
            Convention.State.DRAFT: lambda: (rng.randint(30, 120), 730),
            Convention.State.TERMINATED: lambda: (-rng.randint(400, 900), 1095),
        }
        for partner in self.partners:
            for _ in range(1 if rng.random() < 0.7 else 2):
                state = self.weighted(states)
                plans.append((partner, state, *periods[state](), f"Formation des agents — {partner.name}"[:250]))
        conventions = Convention.objects.bulk_create(
            self.convention(partner, state=state, start=start, lasts=lasts, title=title)
            for partner, state, start, lasts, title in plans
        )
        self.made(Convention, len(conventions))
        self.seed_convention_texts(conventions)
        self.allocate_big_partner([c for c in conventions if c.partner_id == big.pk])
        for convention in conventions:
            if convention.partner_id != big.pk:
                self.allocate_partner(convention)
        allocations = SeatAllocation.objects.bulk_create(
            [
                SeatAllocation(convention=convention, session_id=session_id, seats=seats)
                for session_id, rows in self.allocations.items()
                for convention, seats, _used in rows
            ],
            batch_size=BATCH,
        )
        self.made(SeatAllocation, len(allocations))
        reserved = [session for session in self.sessions if session.reserved_for_id is not None]
        Session.objects.bulk_update(reserved, ["reserved_for", "notes"], batch_size=BATCH)

    def seed_convention_texts(self, conventions: list[Convention]) -> None:
        articles, signatories, links = [], [], []
        through = Convention.axes.through
        for convention in conventions:
            partner = convention.partner
            texts = (
                ("Objet", f"La présente convention organise la formation des agents de {partner.name}."),
                ("Places réservées", "Le CNAM Mayotte réserve au partenaire des places dans ses sessions."),
                ("Durée", "La convention prend effet à sa signature, pour la durée indiquée ci-dessus."),
            )
            articles += [
                ConventionArticle(convention=convention, number=number, title=title, body=body)
                for number, (title, body) in enumerate(texts, start=1)
            ]
            signatories += [
                Signatory(
                    convention=convention,
                    party=Signatory.Party.CNAM,
                    full_name=CNAM_DIRECTOR[0],
                    title=CNAM_DIRECTOR[1],
                ),
                Signatory(
                    convention=convention,
                    party=Signatory.Party.PARTNER,
                    full_name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                    title=f"Représentant légal, {partner.name}"[:200],
                ),
            ]
            # The rectorat's conventions follow its six axes; the others, adults' and staff's upskilling.
            numbers = sorted(self.axes) if partner.pk == self.big_partner.pk else sorted(self.rng.sample((2, 3, 4), 2))
            links += [through(convention_id=convention.pk, axis_id=self.axes[number].pk) for number in numbers]
        ConventionArticle.objects.bulk_create(articles)
        Signatory.objects.bulk_create(signatories)
        through.objects.bulk_create(links)
        self.made(ConventionArticle, len(articles))
        self.made(Signatory, len(signatories))
        self.made(through, len(links))

    def allocatable(self, convention: Convention) -> list[Session]:
        """Scheduled sessions starting within the convention (before today if terminated), not yet allocated."""
        latest = convention.end_date
        if convention.state == Convention.State.TERMINATED:
            latest = min(latest, self.today)
        return [
            session
            for session in self.sessions
            if session.state == Session.State.SCHEDULED
            and convention.start_date <= session.start_date <= latest
            and session.pk not in self.allocations
        ]

    def reserve(self, session: Session, partner: Partner) -> None:
        session.reserved_for_id = partner.pk
        session.notes = f"Session réservée aux agents de {partner.name}."

    def allocate_big_partner(self, conventions: list[Convention]) -> None:
        """Allocations holding exactly the rectorat's figure of staff enrollments."""
        rng = self.rng
        wanted = figure("big_partner_enrollments", self.scale)
        candidates = [(convention, session) for convention in conventions for session in self.allocatable(convention)]
        rng.shuffle(candidates)
        planned = 0
        for convention, session in candidates:
            if planned >= wanted:
                break
            if session.pk in self.allocations:
                continue  # already taken by another of its conventions
            left = wanted - planned
            if not session.site.is_remote and rng.random() < 0.1:
                self.reserve(session, self.big_partner)
                seats = session.capacity
                used = min(left, seats - rng.randint(0, 2))
            else:
                used = min(left, rng.randint(2, min(8, session.capacity // 2)))
                seats = min(session.capacity - 2, used + rng.randint(0, 2))
            # Now and then a seat held for someone who declined it or let it expire (past sessions only).
            past = self.phase[session.pk] in ("past", "running")
            extra = 1 if past and left > used and rng.random() < 0.05 else 0
            self.plan_allocation(convention, session, seats=seats, used=used, extra=extra)
            planned += used + extra
        if planned < wanted:
            raise RuntimeError(f"Only {planned} of the rectorat's {wanted} staff enrollments found a session.")

    def allocate_partner(self, convention: Convention) -> None:
        rng = self.rng
        partner = convention.partner
        sessions = self.allocatable(convention)
        rng.shuffle(sessions)
        # A commune with a signed convention has one session run for its own staff.
        reserve_one = partner.kind == Partner.Kind.COMMUNE and convention.state == Convention.State.SIGNED
        for session in sessions[: rng.randint(2, 6)]:
            if reserve_one and not session.site.is_remote:
                reserve_one = False
                self.reserve(session, partner)
                seats = session.capacity
                used = seats - rng.randint(0, 3)
            else:
                seats = rng.randint(1, min(6, session.capacity // 3))
                used = 0 if convention.state == Convention.State.DRAFT else rng.randint(0, seats)
                if convention.state in (Convention.State.EXPIRED, Convention.State.TERMINATED):
                    used = max(used, 1)  # what it reserved was used while in force
            self.plan_allocation(convention, session, seats=seats, used=used, extra=0)

    def plan_allocation(self, convention: Convention, session: Session, *, seats: int, used: int, extra: int) -> None:
        self.allocations[session.pk].append((convention, seats, used))
        self.partner_plans += [(convention, session, index < used) for index in range(used + extra)]

    def public_room(self, session: Session) -> int:
        """Seats the public may hold (enrollment.seats): capacity minus what conventions reserve or use."""
        held = sum(
            seats if convention.state in RESERVING_CONVENTION_STATES else used
            for convention, seats, used in self.allocations.get(session.pk, ())
        )
        return max(0, session.capacity - held)

    # --- people -----------------------------------------------------------------------------

    def plan_people(self) -> None:
        """The people, as arrays: each partner's staff first (a pool per employer), then the public."""
        total = figure("applicants", self.scale)
        per_partner = Counter(convention.partner_id for convention, _s, _seat in self.partner_plans)
        per_session = Counter((convention.partner_id, session.pk) for convention, session, _seat in self.partner_plans)
        busiest = Counter()
        for (partner_id, _session), count in per_session.items():
            busiest[partner_id] = max(busiest[partner_id], count)
        partners = {partner.pk: partner for partner in [*self.partners, self.big_partner]}
        self.people = {name: [None] * total for name in PERSON_FIELDS}
        size = 0
        for partner_id, enrollments in sorted(per_partner.items()):
            # Some take two courses: fewer people than enrollments, but enough for the fullest session.
            people = max(math.ceil(enrollments * 0.85), busiest[partner_id])
            self.pool_of[partner_id] = range(size, size + people)
            partner = partners[partner_id]
            situation = STAFF_SITUATION.get(partner.kind, Situation.PUBLIC_AGENT)
            for index in self.pool_of[partner_id]:
                self.person(index, situation=situation, employer=partner)
            size += people
        if size >= total:
            raise RuntimeError(f"{size} partner staff leave no room for the public among {total} applicants.")
        self.public_people = range(size, total)
        for index in self.public_people:
            self.person(index, situation=self.weighted(SITUATION_WEIGHTS))

    def person(self, index: int, *, situation: str, employer: Partner | None = None) -> None:
        rng = self.rng
        people = self.people
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if employer is None:
            domain = APPLICANT_DOMAIN
        elif employer.kind == Partner.Kind.RECTORAT:
            domain = "ac-mayotte.example"
        else:
            domain = f"{slugify(employer.name)[:40]}.example"
        commune = self.weighted(COMMUNE_WEIGHTS)
        low, high = BIRTH_YEARS.get(situation, (1962, 2002))
        people["first"][index] = first
        people["last"][index] = last
        # The number keeps addresses apart (two Amina Madi) and from the demo's.
        people["email"][index] = f"{email_local(first, last)}.{index + 1}@{domain}"
        people["birth"][index] = datetime.date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
        people["phone"][index] = f"+262639{rng.randint(0, 999_999):06d}"
        people["commune"][index] = commune
        people["address"][index] = (
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {POSTCODES[commune]} {Commune(commune).label}"
            if rng.random() < 0.7
            else ""
        )
        people["level"][index] = self.weighted(LEVELS_BY_SITUATION[situation])
        people["situation"][index] = situation
        people["ft_id"][index] = (
            f"{rng.randint(0, 9_999_999):07d}{rng.choice('ABCDEFGHJK')}" if situation == Situation.JOB_SEEKER else ""
        )
        people["employer"][index] = employer.pk if employer is not None else None
        if employer is not None:
            people["job"][index] = rng.choice(STAFF_TITLES[employer.kind])
        elif situation in (Situation.EMPLOYEE, Situation.PUBLIC_AGENT):
            people["job"][index] = rng.choice(JOB_TITLES)
        else:
            people["job"][index] = ""

    def take(self, person: int, session: Session) -> bool:
        """Record that ``person`` applies to ``session``; False if they already do (one per session)."""
        if session.pk in self.sessions_of[person]:
            return False
        self.sessions_of[person].add(session.pk)
        return True

    # --- partner enrollments ----------------------------------------------------------------

    def plan_partner_applications(self) -> None:
        rng = self.rng
        next_of: Counter[int] = Counter()  # partner pk -> next of its staff not enrolled yet
        for convention, session, holds_seat in self.partner_plans:
            partner_id = convention.partner_id
            pool = self.pool_of[partner_id]
            for _attempt in range(100):
                if next_of[partner_id] < len(pool):
                    person = pool[next_of[partner_id]]
                    next_of[partner_id] += 1
                else:
                    person = rng.choice(pool)
                if self.take(person, session):
                    break
            else:
                raise RuntimeError(f"No one of partner {partner_id}'s staff is free for {session.reference}.")
            planned = Planned(session, person, Application.Channel.PARTNER)
            planned.convention = convention
            planned.enrolled_by = self.referent[partner_id].pk
            planned.steps = self.partner_timeline(convention, session, holds_seat, planned.enrolled_by)
            self.applications.append(planned)

    def partner_timeline(self, convention: Convention, session: Session, holds_seat: bool, referent: int) -> list:
        """The moves of ``partner_enrollment.applications_enroll_partner_staff`` and what followed."""
        rng = self.rng
        start = self.start_of(session)
        lo = session.applications_open_at - datetime.timedelta(days=30)
        if convention.start_date <= self.today:
            lo = max(lo, self.at(convention.start_date))
        hi = min(self.now - datetime.timedelta(hours=1), start + datetime.timedelta(days=3))
        enrolled = self.between(min(lo, hi - datetime.timedelta(days=1)), hi)
        held = (
            f"Place réservée par le partenaire (convention {convention.reference}), en attente de l'accord de la "
            "personne."
        )
        if not holds_seat:
            # A seat held for someone with an account, who declined it or let the deadline pass.
            deadline = partner_consent_deadline(session=session, now=enrolled)
            if deadline + datetime.timedelta(hours=1) < self.now and rng.random() < 0.5:
                expired = deadline + datetime.timedelta(minutes=rng.randint(1, 50))
                return [(OFFERED, referent, enrolled, held), (EXPIRED, None, expired, "")]
            declined = self.between(enrolled, min(deadline, self.now))
            return [
                (OFFERED, referent, enrolled, held),
                (WITHDRAWN, "applicant", declined, "Inscription par le partenaire déclinée."),
            ]
        if session.start_date >= self.day(2) and rng.random() < 0.1:
            # Still waiting for the person's answer: held less than PARTNER_CONSENT_DAYS ago.
            moment = self.now - datetime.timedelta(hours=rng.uniform(2, 6 * 24))
            return [(OFFERED, referent, moment, held)]
        if rng.random() < 0.15:
            deadline = partner_consent_deadline(session=session, now=enrolled)
            accepted = self.between(enrolled, min(self.now, deadline))
            return [(OFFERED, referent, enrolled, held), (ENROLLED, "applicant", accepted, "")]
        return [(ENROLLED, referent, enrolled, f"Inscription par le partenaire (convention {convention.reference}).")]

    # --- public applications ----------------------------------------------------------------

    def plan_public_applications(self) -> None:
        rng = self.rng
        partner_count = len(self.applications)
        wanted = figure("applications", self.scale) - partner_count
        if wanted < 0:
            raise RuntimeError(f"{partner_count} partner enrollments exceed {wanted + partner_count} applications.")
        eligible, weights = [], []
        for session in self.sessions:
            phase = self.phase[session.pk]
            if session.reserved_for_id is not None or session.state == Session.State.DRAFT or phase == "upcoming":
                continue
            if session.state == Session.State.CANCELLED:
                opened = session.applications_open_at + datetime.timedelta(days=2)
                latest = min(self.now, self.start_of(session)) - datetime.timedelta(days=1)
                if latest <= opened:
                    continue  # cancelled before anyone applied
                self.cancelled_at[session.pk] = self.between(opened, latest)
            eligible.append(session)
            # Open sessions have had part of their window only.
            weights.append(session.capacity * rng.uniform(0.4, 1.8) * (0.6 if phase == "open" else 1.0))
        if not eligible:
            raise RuntimeError("No session takes public applications.")
        people = list(self.public_people)
        rng.shuffle(people)
        # Some people have an account and no application; some apply more than once.
        active = people[: max(1, round(len(people) * 0.87))]
        first_time = iter(active)
        for session, count in zip(eligible, spread(wanted, weights), strict=True):
            for status in self.public_statuses(session, count):
                person = next(first_time, None)
                if person is None or not self.take(person, session):
                    person = self.someone_free(active, session)
                self.applications.append(self.public_application(session, person, status))

    def someone_free(self, people: list[int], session: Session) -> int:
        for _attempt in range(100):
            person = self.rng.choice(people)
            if self.take(person, session):
                return person
        raise RuntimeError(f"No applicant left for session {session.reference}.")

    def public_statuses(self, session: Session, count: int) -> list[str]:
        """Final statuses of ``count`` public applications: seat holders within the public's room,
        a waiting list only when that room is full."""
        rng = self.rng
        if session.state == Session.State.CANCELLED:
            return [CANCELLED] * count
        room = self.public_room(session)
        phase = self.phase[session.pk]
        submitted = round(count * rng.uniform(0.3, 0.6)) if phase == "open" else 0
        decided = count - submitted
        share = {"past": (0.45, 0.75), "running": (0.5, 0.8), "closed": (0.5, 0.85), "open": (0.6, 0.8)}[phase]
        holders = min(room, round(decided * rng.uniform(*share)))
        full = holders == room
        if phase in ("past", "running"):
            held = [ENROLLED] * holders
        else:
            held = rng.choices((ENROLLED, ACCEPTED, OFFERED), weights=(40, 55, 5 if full else 0), k=holders)
        others = {
            "past": {REJECTED: 45, WITHDRAWN: 40, EXPIRED: 5 if full else 0, CANCELLED: 8},
            "running": {WAITLISTED: 30 if full else 0, REJECTED: 35, WITHDRAWN: 30, CANCELLED: 5},
            "closed": {WAITLISTED: 40 if full else 0, REJECTED: 35, WITHDRAWN: 25},
            "open": {WAITLISTED: 45 if full else 0, REJECTED: 30, WITHDRAWN: 25},
        }[phase]
        statuses = (
            [SUBMITTED] * submitted
            + held
            + rng.choices(list(others), weights=list(others.values()), k=decided - holders)
        )
        rng.shuffle(statuses)
        return statuses

    def public_application(self, session: Session, person: int, status: str) -> Planned:
        rng = self.rng
        programme = session.programme
        channel = Application.Channel.DESK if rng.random() < 0.1 else Application.Channel.ONLINE
        planned = Planned(session, person, channel)
        subject = programme.title.split(" — ")[0]
        planned.motivation = rng.choice(MOTIVATIONS).format(subject=subject[0].lower() + subject[1:])
        if self.people["level"][person] < programme.entry_level:
            route = Application.EntryRoute.VAE if programme.vae_available else Application.EntryRoute.DEROGATION
            planned.entry_route = route
            planned.justification = rng.choice(JUSTIFICATIONS[route])
        paths = PUBLIC_PATHS[status]
        path = rng.choices([path for path, _w in paths], weights=[weight for _p, weight in paths])[0]
        planned.steps = self.timeline(session, path, channel)
        if planned.status == REJECTED:
            planned.rejection_reason = planned.steps[-1][3]
        planned.enrolled_by = next((by for status, by, _at, _r in planned.steps if status == ENROLLED), None)
        return planned

    def horizon(self, session: Session) -> datetime.datetime:
        """The last moment of a session's decisions: its cancellation, ten days into it, or now."""
        if session.pk in self.cancelled_at:
            return self.cancelled_at[session.pk]
        if self.phase[session.pk] in ("past", "running"):
            return min(self.now, self.start_of(session) + datetime.timedelta(days=10))
        return self.now

    def timeline(self, session: Session, path: tuple[str, ...], channel: str) -> list[tuple]:
        """(status, by, at, reason) of each move of ``path``, in order, none after now.

        An offer is answered within OFFER_HOLD_HOURS or expires after it; a live offer was made
        less than that ago. A path whose offer does not fit before the horizon goes without it.
        """
        rng = self.rng
        opened = session.applications_open_at
        end = self.horizon(session)
        window_end = min(session.applications_close_at, end - datetime.timedelta(hours=2))
        if window_end <= opened:
            window_end = opened + (end - opened) / 2
        submitted = self.between(opened, window_end)
        live_offer = path[-1] == OFFERED
        if live_offer:
            end = self.now - datetime.timedelta(hours=rng.uniform(1, settings.OFFER_HOLD_HOURS - 2))
            if end - opened < datetime.timedelta(hours=3):
                path, live_offer, end = (SUBMITTED, ACCEPTED), False, self.horizon(session)
            elif submitted >= end - datetime.timedelta(hours=2):
                submitted = opened + (end - opened) * 0.3
        # Room kept for each answer to an offer (at most OFFER_HOLD_HOURS after it).
        answered = self.hold * sum(1 for previous in path[:-1] if previous == OFFERED)
        if OFFERED in path and not live_offer and end - submitted <= answered + datetime.timedelta(hours=2):
            path = (
                (SUBMITTED, WAITLISTED, REJECTED)
                if path[-1] == EXPIRED
                else (SUBMITTED, *[status for status in path[1:] if status not in (WAITLISTED, OFFERED)])
            )
            answered = datetime.timedelta(0)
        free = [
            index
            for index in range(1, len(path))
            if path[index - 1] != OFFERED and not (live_offer and index == len(path) - 1)
        ]
        gaps = [rng.uniform(0.2, 1.0) * session.programme.response_days for _ in free]
        available = max(0.0, ((end - submitted - answered).total_seconds() / 86400) * 0.9)
        if sum(gaps) > available:
            gaps = [gap * available / sum(gaps) for gap in gaps]
        gap_of = dict(zip(free, gaps, strict=True))
        moments = [submitted]
        for index in range(1, len(path)):
            if live_offer and index == len(path) - 1:
                moment = end
            elif path[index - 1] == OFFERED:
                if path[index] == EXPIRED:  # the expiry sweep, a little after the deadline
                    moment = moments[-1] + self.hold + datetime.timedelta(minutes=rng.randint(1, 50))
                else:
                    moment = moments[-1] + datetime.timedelta(hours=rng.uniform(1, settings.OFFER_HOLD_HOURS - 1))
            else:
                moment = moments[-1] + datetime.timedelta(days=gap_of[index], seconds=60)
            moments.append(moment)
        cancelled = self.cancelled_at.get(session.pk)
        if cancelled is not None:
            moments[-1] = cancelled  # one cancellation for the whole session
        staff = rng.choice(self.staff_ids)
        steps, previous = [], ""
        for status, moment in zip(path, moments, strict=True):
            actor = self.actor(status, previous, channel, staff)
            steps.append((status, actor, min(moment, self.now), self.reason(status, previous, cancelled)))
            previous = status
        return steps

    def actor(self, status: str, previous: str, channel: str, staff: int) -> int | str | None:
        """Who the services record: the person, a training manager, or nobody (a sweep)."""
        if status == SUBMITTED:
            return staff if channel == Application.Channel.DESK else "applicant"
        if status == WITHDRAWN or (status == ACCEPTED and previous == OFFERED):
            return "applicant"
        if status == EXPIRED or (status == OFFERED and self.rng.random() < 0.5):
            return None  # the expiry sweep; a seat freed by an expiry or a decline is offered by nobody
        return staff

    def reason(self, status: str, previous: str, cancelled: datetime.datetime | None) -> str:
        if status == REJECTED:
            return self.rng.choice(REJECTION_REASONS)
        if status == CANCELLED:
            return SESSION_CANCELLED_REASON if cancelled else self.rng.choice(CANCELLATION_REASONS)
        if status == WITHDRAWN:
            return "Place proposée déclinée." if previous == OFFERED else self.rng.choice(WITHDRAWAL_REASONS)
        return ""

    def assign_references(self) -> None:
        """Random ``CAND-<year>-<6 digits>`` (enrollment.references), distinct from any stored one."""
        taken = set(Application.objects.values_list("reference", flat=True))
        by_year = defaultdict(list)
        for planned in self.applications:
            by_year[timezone.localtime(planned.steps[0][2], self.tz).year].append(planned)
        for year, plans in sorted(by_year.items()):
            numbers = self.rng.sample(range(1_000_000), min(1_000_000, len(plans) + len(taken)))
            free = (reference for number in numbers if (reference := f"CAND-{year}-{number:06d}") not in taken)
            for planned in plans:
                planned.reference = next(free)
        # Primary keys then follow neither sessions nor statuses, as when people apply over time.
        self.applications.sort(key=lambda planned: planned.steps[0][2])

    # --- writing people ---------------------------------------------------------------------

    def write_people(self) -> None:
        """Accounts (verified address, the shared password) and profiles; each joined before applying."""
        rng = self.rng
        people = self.people
        total = len(people["first"])
        joined = people["joined"]
        for planned in self.applications:
            # A partner's enrollment makes the account; others opened theirs before applying.
            lead = (
                datetime.timedelta(minutes=1)
                if planned.by_partner
                else datetime.timedelta(minutes=rng.randint(10, 14_400))
            )
            moment = planned.steps[0][2] - lead
            if joined[planned.applicant] is None or moment < joined[planned.applicant]:
                joined[planned.applicant] = moment
        for index in range(total):
            if joined[index] is None:
                joined[index] = self.now - datetime.timedelta(days=rng.uniform(1, 1000))
        user_model = get_user_model()
        self.first_user = first_user = reserve_ids(user_model, total)
        first_address = reserve_ids(EmailAddress, total)
        first_profile = reserve_ids(ApplicantProfile, total)
        password, emails = self.password, people["email"]
        first, last = people["first"], people["last"]
        user_fields = ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name")
        user_fields += ("email", "is_staff", "is_active", "date_joined")
        self.made(
            user_model,
            copy_rows(
                user_model,
                user_fields,
                (
                    (
                        first_user + i,
                        password,
                        None,
                        False,
                        emails[i],
                        first[i],
                        last[i],
                        emails[i],
                        False,
                        True,
                        joined[i],
                    )
                    for i in range(total)
                ),
            ),
        )
        self.made(
            EmailAddress,
            copy_rows(
                EmailAddress,
                ("id", "user_id", "email", "verified", "primary"),
                ((first_address + i, first_user + i, emails[i], True, True) for i in range(total)),
            ),
        )
        profile_fields = ("id", "user_id", "first_name", "last_name", "birth_date", "phone", "commune", "address")
        profile_fields += ("highest_level", "situation", "france_travail_id", "employer_id", "job_title")
        profile_fields += ("consent_at", "consent_text", "created_at", "updated_at")
        columns = [people[name] for name in ("birth", "phone", "commune", "address", "level", "situation")]
        columns += [people[name] for name in ("ft_id", "employer", "job")]
        self.made(
            ApplicantProfile,
            copy_rows(
                ApplicantProfile,
                profile_fields,
                (
                    (
                        first_profile + i,
                        first_user + i,
                        first[i],
                        last[i],
                        *(column[i] for column in columns),
                        joined[i],
                        CONSENT_TEXT,
                        joined[i],
                        joined[i],
                    )
                    for i in range(total)
                ),
            ),
        )

    # --- writing applications, their history and the outbox ---------------------------------

    def user_of(self, planned: Planned, by: int | str | None) -> int | None:
        return self.first_user + planned.applicant if by == "applicant" else by

    def write_applications(self) -> None:
        first_application = reserve_ids(Application, len(self.applications))
        for offset, planned in enumerate(self.applications):
            planned.id = first_application + offset
        application_fields = ("id", "reference", "session_id", "applicant_id", "channel", "convention_id")
        application_fields += ("enrolled_by_id", "invited_email", "invited_name", "status", "motivation")
        application_fields += ("entry_route", "entry_justification", "rejection_reason", "submitted_at")
        application_fields += ("decided_at", "waitlisted_at", "offered_at", "offer_expires_at", "enrolled_at")
        application_fields += ("closed_at", "updated_at")
        self.made(
            Application,
            copy_rows(
                Application, application_fields, (self.application_row(planned) for planned in self.applications)
            ),
        )
        change_id = reserve_ids(ApplicationStatusChange, sum(len(planned.steps) for planned in self.applications))
        history, emails = [], []
        for planned in self.applications:
            previous = ""
            for position, (status, by, moment, reason) in enumerate(planned.steps):
                history.append((change_id, planned.id, previous, status, self.user_of(planned, by), moment, reason))
                emails += self.emails_of(planned, position, change_id)
                previous = status
                change_id += 1
            emails += self.reminder_of(planned)
        written = copy_rows(
            ApplicationStatusChange,
            ("id", "application_id", "from_status", "to_status", "changed_by_id", "changed_at", "reason"),
            history,
        )
        self.made(ApplicationStatusChange, written)
        # The outbox went live after the history began: the newest emails make up the figure.
        together = figure("history_and_outbox", self.scale)
        wanted = together - written
        if not 0 <= wanted <= len(emails):
            raise RuntimeError(f"{written} history rows and {len(emails)} emails cannot add up to {together}.")
        emails.sort(key=lambda email: email[0], reverse=True)
        self.write_outbox(sorted(emails[:wanted], key=lambda email: email[0]))

    def application_row(self, planned: Planned) -> tuple:
        steps = planned.steps
        reached = defaultdict(list)
        for status, _by, moment, _reason in steps:
            reached[status].append(moment)
        status = steps[-1][0]
        decided = [moments[0] for step_status, moments in reached.items() if step_status in DECISION_STATUSES]
        offered = reached[OFFERED][-1] if OFFERED in reached else None
        person = planned.applicant
        return (
            planned.id,
            planned.reference,
            planned.session.pk,
            self.first_user + person,
            planned.channel,
            planned.convention.pk if planned.convention else None,
            self.user_of(planned, planned.enrolled_by),
            self.people["email"][person] if planned.by_partner else "",
            f"{self.people['first'][person]} {self.people['last'][person]}" if planned.by_partner else "",
            status,
            planned.motivation,
            planned.entry_route,
            planned.justification,
            planned.rejection_reason,
            steps[0][2],
            min(decided) if decided else None,
            reached[WAITLISTED][-1] if WAITLISTED in reached else None,
            offered,
            self.offer_deadline(planned, offered) if offered else None,
            reached[ENROLLED][-1] if ENROLLED in reached else None,
            steps[-1][2] if status in FINAL_STATUSES else None,
            steps[-1][2],
        )

    def offer_deadline(self, planned: Planned, offered: datetime.datetime) -> datetime.datetime:
        if planned.by_partner:
            return partner_consent_deadline(session=planned.session, now=offered)
        return offered + self.hold

    def emails_of(self, planned: Planned, position: int, change_id: int) -> list[tuple]:
        """The outbox rows the services write for one move: ``(created_at, template, key, planned, position)``."""
        status, _by, moment, _reason = planned.steps[position]
        if planned.by_partner and position == 0:
            # partner_space.services._invite_staff (keyed by the application), and the enrollment's own.
            template = "partner_staff_consent" if status == OFFERED else "partner_staff_invitation"
            rows = [(moment, template, f"{template}:{planned.id}", planned, position)]
            if status == ENROLLED:
                key = f"application_enrolled:{planned.id}:{change_id}"
                rows.append((moment, "application_enrolled", key, planned, position))
            return rows
        template = TEMPLATE_OF[status]
        return [(moment, template, f"{template}:{planned.id}:{change_id}", planned, position)]

    def reminder_of(self, planned: Planned) -> list[tuple]:
        """``session_reminder``, SESSION_REMINDER_DAYS before the start, to those accepted or enrolled by then."""
        session = planned.session
        if planned.status not in (ACCEPTED, ENROLLED) or session.state != Session.State.SCHEDULED:
            return []
        sent = self.at(session.start_date - datetime.timedelta(days=settings.SESSION_REMINDER_DAYS), 7)
        if sent > self.now or planned.steps[-1][2] > sent:
            return []
        return [
            (sent, "session_reminder", f"session_reminder:{planned.id}:{session.start_date.isoformat()}", planned, None)
        ]

    def write_outbox(self, emails: list[tuple]) -> None:
        first = reserve_ids(Notification, len(emails))
        domain = outbox.site_domain()
        rows = []
        # Subjects in French and dates in Mayotte time, as enrollment.notifications.subject_for writes them.
        with translation.override(settings.LANGUAGE_CODE), timezone.override(self.tz):
            formats = {template: SUBJECT_PREFIX + str(subject) for template, subject in SUBJECTS.items()}
            login_url = invitations.login_url()
            starts: dict[int, str] = {}
            waiting: Counter[int] = Counter()
            for offset, (created, template, key, planned, position) in enumerate(emails):
                session = planned.session
                if session.pk not in starts:
                    starts[session.pk] = date_long(session.start_date)
                context = self.email_context(template, planned, position, login_url, waiting)
                if template.startswith("partner_staff_"):
                    verb = "souhaite vous inscrire" if template == "partner_staff_consent" else "vous inscrit"
                    subject = (
                        f"{SUBJECT_PREFIX}{planned.convention.partner.name} {verb} à une formation du CNAM Mayotte"
                    )
                else:
                    deadline = context.get("deadline")
                    subject = formats[template] % {
                        "reference": planned.reference,
                        "programme": session.programme.title,
                        "start": starts[session.pk],
                        "deadline": datetime_long(datetime.datetime.fromisoformat(deadline)) if deadline else "",
                    }
                rows.append(
                    self.notification_row(first + offset, created, template, key, planned, context, subject, domain)
                )
        fields = ("id", "idempotency_key", "template", "recipient_email", "user_id", "application_id", "context")
        fields += ("subject", "state", "attempts", "last_error", "created_at", "sent_at", "message_id")
        fields += ("next_attempt_at", "claimed_at", "claim_task_id", "retry_until", "uncertain_at", "failure_reason")
        self.made(Notification, copy_rows(Notification, fields, rows))

    def email_context(self, template: str, planned: Planned, position, login_url: str, waiting: Counter) -> dict:
        """What the services store with each email (enrollment.services, partner_space.services)."""
        steps = planned.steps
        if template in ("partner_staff_invitation", "partner_staff_consent"):
            referent = self.referent[planned.convention.partner_id]
            context = {
                "partner": planned.convention.partner.name,
                "enrolled_by": f"{referent.first_name} {referent.last_name}",
                "needs_claim": False,  # every account here has a usable password
                "login_url": login_url,
                "claim_valid_days": claims.INVITATION_VALID_DAYS,
            }
            if template == "partner_staff_consent":
                context["deadline"] = self.offer_deadline(planned, steps[0][2]).isoformat()
            return context
        if template == "session_reminder":
            return {}
        _status, _by, moment, reason = steps[position]
        previous = steps[position - 1][0] if position else ""
        if template == "application_waitlisted":
            waiting[planned.session.pk] += 1
            return {"position": waiting[planned.session.pk]}
        if template == "seat_offered":
            return {"deadline": self.offer_deadline(planned, moment).isoformat()}
        if template in ("application_refused", "application_cancelled"):
            return {"reason": reason}
        if template == "application_withdrawn" and previous == OFFERED:
            return {"declined_offer": True, "partner_offer": planned.by_partner}
        if template == "offer_expired" and planned.by_partner:
            return {"partner_offer": True}
        return {}

    def notification_row(self, pk, created, template, key, planned, context, subject, domain) -> tuple:
        """One outbox row as ``core.outbox.deliver`` leaves it: sent, pending or failed for good."""
        rng = self.rng
        email = self.people["email"][planned.applicant]
        age = self.now - created
        claimed = created + datetime.timedelta(seconds=rng.uniform(0.5, 20))
        message_id = f"<{int(created.timestamp() * 100)}.{rng.randint(1000, 99999)}.{rng.getrandbits(60)}@{domain}>"
        task_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        state, attempts, error, reason = Notification.State.SENT, 1, "", ""
        sent = claimed + datetime.timedelta(seconds=rng.uniform(0.3, 3))
        next_attempt, retry_until = None, claimed + outbox.RETRY_FOR
        roll = rng.random()
        if age < outbox.FIRST_SEND_GRACE:
            # Its own task has not run yet.
            state, attempts, sent, next_attempt = Notification.State.PENDING, 0, None, created
            claimed, message_id, task_id, retry_until = None, "", "", None
        elif roll < 0.004:
            state, sent = Notification.State.FAILED, None
            error = f"SMTPRecipientsRefused: {{'{email}': (550, b'5.1.1 <{email}>: Recipient address rejected')}}"
            reason = "Adresse du destinataire refusée par le serveur de messagerie (code 550)."
        elif roll < 0.054 and age < outbox.RETRY_FOR:
            # The last day's backlog: the mail server refused for a while, the retries go on.
            attempts = rng.randint(2, 5)
            state, sent = Notification.State.PENDING, None
            error = "SMTPConnectError: (421, b'4.7.0 Try again later')"
            next_attempt = self.now + outbox.retry_delay(attempts)
            reason = "Échec temporaire (SMTPConnectError 421) : nouvel essai prévu."
        return (
            pk,
            key,
            template,
            email,
            self.first_user + planned.applicant,
            planned.id,
            json.dumps(context, ensure_ascii=False),
            subject[:250],
            state,
            attempts,
            error,
            created,
            sent,
            message_id,
            next_attempt,
            claimed,
            task_id,
            retry_until,
            None,
            reason,
        )

    # --- checks -----------------------------------------------------------------------------

    def check(self) -> None:
        """Fail, rolling everything back, if the ledger finds a session or an allocation over its seats."""
        over = list(
            annotate_seats(Session.objects.all())
            .filter(capacity__lt=F("seats_taken") + F("seats_reserved"))
            .values_list("reference", flat=True)[:5]
        )
        if over:
            raise RuntimeError(f"Sessions over capacity: {', '.join(over)}")
        overdrawn = list(
            allocations_with_usage()
            .filter(seats_used__gt=F("seats"))
            .values_list("convention__reference", "session__reference")[:5]
        )
        if overdrawn:
            raise RuntimeError(f"Allocations holding more than their seats: {overdrawn}")
        # Fresh statistics, or the planner reads 200,000 rows as the empty tables it last saw.
        with connection.cursor() as cursor:
            for model in (get_user_model(), ApplicantProfile, Application, ApplicationStatusChange, Notification):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def demo_loaded() -> bool:
    return (
        Partner.objects.filter(name=BIG_PARTNER_NAME).exists()
        and Programme.objects.filter(slug=demo_data.PROGRAMMES[0].slug).exists()
    )


def build(scale: float = 1.0, *, seed: int = 7, stdout=None) -> dict[str, int]:
    """Write the large data set at ``scale`` (1.0: a whole region) on top of the demo; counts by model.

    Runs ``seed_demo`` first on a database without the demo. Refuses with ``DEBUG`` off (the
    accounts share a published password), on another database than PostgreSQL, and on a
    database that already holds the data set.
    """
    if not settings.DEBUG:
        raise RuntimeError("DEBUG is off: this database may be production's. The large data set is for benchmarks.")
    if connection.vendor != "postgresql":
        raise RuntimeError("The large data set is written with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL.")
    if scale <= 0:
        raise ValueError("The scale must be positive.")
    if not demo_loaded():
        call_command("seed_demo", stdout=stdout or io.StringIO())
    slugs = [slugify(LargeDataBuilder.title_of(q, subject)) for _d, q, subject in LargeDataBuilder.programme_titles()]
    if Programme.objects.filter(slug__in=slugs).exists():
        raise RuntimeError("This database already holds the large data set: load it into a fresh one.")
    with transaction.atomic():
        return LargeDataBuilder(scale=scale, seed=seed, stdout=stdout).run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full figures (default: 1.0)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random choices (default: 7)")
    args = parser.parse_args()
    started = time.perf_counter()
    counts = build(args.scale, seed=args.seed, stdout=sys.stdout)
    elapsed = time.perf_counter() - started
    print(f"\nLarge data set at scale {args.scale:g} in database {connection.settings_dict['NAME']}: {elapsed:.1f} s")
    for label, count in counts.items():
        print(f"  {label:<38} {count:>9,}")
    together = counts.get(ApplicationStatusChange._meta.label, 0) + counts.get(Notification._meta.label, 0)
    print(f"  {'history + outbox':<38} {together:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
