"""The demo applicants, their profiles and their applications."""

from dataclasses import dataclass

from programs.models import normalize_text


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
    # Français professionnel under way in Mamoudzou: the course follow-up's demo (demo.data.followup).
    ApplicationData(
        60,
        "fatima",
        "2026-FRPRO-MAM-02",
        (submitted(-70), Step("acceptee", -60), Step("inscrite", -45)),
        "Je veux être plus sûre de moi à l'écrit pour mes entretiens d'embauche.",
    ),
    ApplicationData(
        61,
        "zaina",
        "2026-FRPRO-MAM-02",
        (submitted(-68), Step("acceptee", -58), Step("inscrite", -44)),
        "Rédiger un courrier administratif sans fautes m'ouvrirait des postes d'accueil.",
    ),
    ApplicationData(
        62,
        "anfane",
        "2026-FRPRO-MAM-02",
        (submitted(-66), Step("acceptee", -56), Step("inscrite", -43)),
        "La mission locale m'a conseillé de renforcer mon français avant une formation qualifiante.",
        entry_route="derogation",
        entry_justification="Niveau CAP ; la mission locale soutient la demande.",
    ),
    ApplicationData(
        63,
        "ibrahim",
        "2026-FRPRO-MAM-02",
        (submitted(-65), Step("acceptee", -55), Step("inscrite", -42)),
        "Je veux reprendre une formation et j'ai besoin d'écrire mieux d'abord.",
        entry_route="derogation",
        entry_justification="J'ai quitté le lycée en première ; le conseiller de la mission locale m'accompagne.",
    ),
]
