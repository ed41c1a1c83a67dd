# ruff: noqa: E501  (prose: one paragraph a line, as staff will see it in the admin)
"""The record's first content: the centre's details and the texts of its legal pages.

Staff rewrite all of it in the admin; these values only fill the record the data
migration creates, so the pages say something true and complete from the first day.
Long texts are plain text: a blank line starts a new paragraph, a line starting with
« - » is an item of a list, addresses (https://…, name@domain) become links.
"""

NAME = "CNAM Mayotte"
LEGAL_NAME = "Conservatoire national des arts et métiers (Cnam)"
LEGAL_FORM = (
    "Établissement public à caractère scientifique, culturel et professionnel (grand établissement), "
    "placé sous la tutelle du ministère chargé de l'enseignement supérieur"
)
ADDRESS_LINE = "Place Mariage"
POSTAL_CODE = "97600"
CITY = "Mamoudzou"
PHONE = "+262269612020"
EMAIL = "contact@cnam-mayotte.fr"
DPO_EMAIL = "dpo@cnam-mayotte.fr"
OPENING_HOURS = (
    "Du lundi au jeudi : 7 h 30 – 12 h 00 et 13 h 00 – 16 h 00\n"
    "Le vendredi : 7 h 30 – 12 h 00\n"
    "Le samedi matin, pendant les sessions de formation : sur rendez-vous"
)
SIGNATORY_TITLE = "Directeur du centre CNAM de Mayotte"
PUBLICATION_DIRECTOR = "Le directeur ou la directrice du centre CNAM de Mayotte"
HOST_NAME = "OVH SAS"
HOST_ADDRESS = "2 rue Kellermann\n59100 Roubaix\nFrance"
HOST_PHONE = "+33972101007"
SIRET = "19976000000018"
ACTIVITY_DECLARATION_NUMBER = "06976001234"

LEGAL_INTELLECTUAL_PROPERTY = """\
Les textes, les descriptions des formations et les documents publiés sur ce portail appartiennent au Conservatoire national des arts et métiers, sauf mention contraire.

La marque « Cnam » et son logotype sont protégés : leur reproduction demande l'autorisation préalable du Cnam.

Le portail utilise le Système de design de l'État (DSFR). Le bloc-marque « République française », la Marianne et la police Marianne relèvent de l'identité de l'État : ils ne peuvent pas être réutilisés en dehors de ce cadre."""

LEGAL_LICENCE = """\
Sauf mention contraire, les contenus de ce portail (textes et descriptions des formations) sont publiés sous la Licence Ouverte / Open Licence version 2.0 (etalab-2.0) : https://www.etalab.gouv.fr/licence-ouverte-open-licence/

Vous pouvez les reproduire, les adapter et les diffuser librement, y compris à des fins commerciales, à condition de mentionner leur source (« CNAM Mayotte ») et la date de leur dernière mise à jour.

Cette licence ne s'applique ni aux marques et logotypes, ni aux données personnelles, ni aux documents déposés par les candidats et les partenaires.

Tout site peut établir un lien vers ce portail sans autorisation préalable."""

PRIVACY_CONTROLLER = """\
Le responsable des traitements de données personnelles réalisés par ce portail est le Conservatoire national des arts et métiers (Cnam), pour son centre de Mayotte, représenté par la direction du centre.

Le Cnam a désigné un délégué à la protection des données (DPO) : son adresse figure dans la partie « Exercer vos droits »."""

PRIVACY_DATA = """\
Le portail ne conserve que ce qui est nécessaire à votre formation :
- votre compte : adresse de courriel, mot de passe enregistré sous une forme chiffrée que personne ne peut relire, dates de création et de dernière connexion ;
- votre profil de candidat : nom, prénom, date de naissance, téléphone, commune, niveau d'études, situation (demandeur d'emploi, salarié, agent public…) et, si vous l'indiquez, votre identifiant France Travail ;
- vos candidatures : la session choisie, votre lettre de motivation, l'historique des décisions (acceptation, liste d'attente, place proposée, inscription, retrait) et, une fois inscrit(e), votre attestation d'inscription ;
- vos pièces justificatives : les documents que vous déposez (CV, diplômes, justificatifs de situation) ;
- vos demandes de VAE et les pièces qui les accompagnent ;
- si votre employeur vous inscrit : les nom, prénom, adresse de courriel, fonction et téléphone qu'il transmet au CNAM, et la convention au titre de laquelle il vous inscrit.

Le portail ne vous demande aucune donnée de santé, ni vos opinions, ni votre origine."""

PRIVACY_PURPOSES = """\
Ces données servent à :
- étudier vos candidatures et vous tenir informé(e) de leur suivi par courriel ;
- organiser les sessions, gérer les listes d'attente et les places proposées ;
- établir les attestations d'inscription et les justificatifs demandés par les financeurs (France Travail, OPCO, Région, employeur) ;
- exécuter les conventions passées avec les partenaires qui inscrivent leurs agents ;
- produire des statistiques, qui ne permettent pas de vous identifier, pour la direction du CNAM et ses partenaires.

Bases légales (article 6 du règlement général sur la protection des données, RGPD) :
- la mission de service public de formation tout au long de la vie confiée au Cnam (article 6.1.e) ;
- votre consentement, recueilli quand vous complétez votre profil de candidat (article 6.1.a) ;
- les obligations légales des organismes de formation envers les financeurs (article 6.1.c).

Chaque décision sur une candidature est prise par une personne de l'équipe du CNAM Mayotte ; aucune ne repose sur un profilage automatisé."""

# The periods between braces are the portal's settings, filled in when the page is shown
# (core.retention): the page always says what the nightly retention run does.
PRIVACY_RETENTION = """\
- Pièces justificatives d'une candidature refusée, retirée, expirée ou annulée : effacées {pieces_candidatures_closes} après la décision ;
- Pièces d'une inscription et attestations d'inscription : conservées {preuves_inscription} après la fin de la session, la durée pendant laquelle les financeurs (Fonds social européen, France Travail, OPCO, Région) peuvent contrôler la formation, puis effacées ;
- Pièces d'une demande de VAE : effacées {pieces_candidatures_closes} après une décision de non-recevabilité, {preuves_inscription} après le résultat ;
- Compte et profil de candidat : après {compte_inactif} sans connexion ni candidature en cours, un courriel vous prévient ; sans nouvelle connexion dans les {preavis_compte_inactif} qui suivent, ils sont anonymisés ;
- Vous pouvez à tout moment télécharger vos données ou supprimer votre compte depuis votre espace candidat (« Mes données personnelles ») ;
- Journaux techniques du serveur : un an au plus ;
- Statistiques : sans limite de durée, car elles ne permettent plus de vous identifier."""

# The first wording, without the periods from the settings: a record that still holds it gets the one above.
PRIVACY_RETENTION_BEFORE_SETTINGS = """\
- Candidatures, pièces justificatives et demandes de VAE : deux ans après la fin de la session (ou de la procédure de VAE), puis elles sont supprimées ;
- Inscriptions faites par un partenaire : jusqu'à la fin de la convention, puis deux ans après la fin de la session ;
- Compte et profil de candidat : supprimés après trois ans sans connexion ;
- Journaux techniques du serveur : un an au plus ;
- Statistiques : sans limite de durée, car elles ne permettent plus de vous identifier."""

PRIVACY_RECIPIENTS = """\
Seules les personnes qui en ont besoin accèdent à vos données :
- l'équipe du CNAM Mayotte (gestionnaires de formation, chargés de partenariats, direction), chacun selon son rôle ;
- les formateurs de votre session, pour la liste des inscrits et les feuilles d'émargement ;
- le partenaire qui vous a inscrit(e) (votre employeur), pour les seules inscriptions faites au titre de sa convention ;
- les financeurs de votre formation (France Travail, OPCO, Région), pour les seules attestations et présences qu'ils exigent ;
- l'hébergeur du portail, qui n'y accède que pour la maintenance technique.

Vos données ne sont ni vendues, ni cédées, ni transférées hors de l'Union européenne."""

PRIVACY_SECURITY = """\
Les échanges avec le portail sont chiffrés (HTTPS). Les pièces que vous déposez sont stockées hors de tout espace public du site et ne sont remises qu'aux personnes habilitées. Les mots de passe sont enregistrés sous une forme chiffrée irréversible."""

PRIVACY_RIGHTS = """\
Vous pouvez à tout moment :
- accéder à vos données et en obtenir une copie (droit d'accès) ;
- les faire corriger (droit de rectification) : la plupart se modifient directement dans votre espace candidat ;
- les faire effacer (droit à l'effacement), sauf celles que le CNAM doit garder pour ses obligations envers les financeurs ;
- en faire limiter l'utilisation (droit à la limitation) ;
- vous opposer à leur traitement (droit d'opposition) ;
- retirer votre consentement et récupérer les données que vous avez fournies dans un format réutilisable (droit à la portabilité).

Pour exercer ces droits, écrivez au délégué à la protection des données ou au CNAM Mayotte, à l'une des adresses ci-dessous, en indiquant l'adresse de courriel de votre compte. Une réponse vous est apportée dans un délai d'un mois."""

PRIVACY_COMPLAINT = """\
Si vous estimez, après avoir contacté le CNAM, que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la Commission nationale de l'informatique et des libertés (CNIL) :
- en ligne : https://www.cnil.fr/fr/plaintes
- par courrier : CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris CEDEX 07"""

PRIVACY_COOKIES = """\
Le portail ne dépose que les cookies indispensables à son fonctionnement, qui ne demandent pas votre consentement :
- un cookie de session, qui vous garde connecté(e) à votre compte (effacé à la déconnexion, et au plus tard après deux semaines) ;
- un cookie de sécurité, qui protège les formulaires contre les envois frauduleux.

Aucun cookie de mesure d'audience ni de publicité n'est utilisé."""

ACCESSIBILITY_COMMITMENT = """\
Le CNAM Mayotte s'engage à rendre son portail des formations accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005 pour l'égalité des droits et des chances, la participation et la citoyenneté des personnes handicapées.

Cette déclaration d'accessibilité s'applique au portail des formations et des inscriptions du CNAM Mayotte."""

ACCESSIBILITY_AUDIT = """\
Le portail n'a pas encore fait l'objet d'un audit de conformité au RGAA 4.1 (non encore audité) : aucun taux de conformité ne peut donc être annoncé.

Il s'appuie sur les composants du Système de design de l'État (DSFR), conçus pour respecter le RGAA. Un audit est prévu ; ses résultats seront publiés sur cette page."""

ACCESSIBILITY_NON_COMPLIANT = """\
Les contenus suivants sont connus pour ne pas être entièrement accessibles :
- les documents PDF produits par le portail (attestations d'inscription, conventions de partenariat) ne sont pas balisés pour les lecteurs d'écran : sur simple demande, le CNAM Mayotte vous en transmet le contenu sous une autre forme ;
- l'interface d'administration, réservée au personnel du CNAM, n'a pas encore été vérifiée."""

ACCESSIBILITY_DEROGATIONS = "Aucune dérogation pour charge disproportionnée n'est invoquée."

ACCESSIBILITY_EXEMPT = """\
Les pièces justificatives déposées par les candidats et les fichiers transmis par les partenaires sont des contenus de tiers, ni produits ni contrôlés par le CNAM Mayotte : ils ne sont pas soumis à l'obligation d'accessibilité."""

ACCESSIBILITY_METHOD = """\
Cette déclaration a été établie par le CNAM Mayotte à partir d'une auto-évaluation, sans audit externe.

Technologies utilisées pour la réalisation du portail :
- HTML5
- CSS
- JavaScript (Système de design de l'État, DSFR)

Environnements prévus pour l'audit :
- NVDA avec Firefox et JAWS avec Chrome, sur ordinateur ;
- VoiceOver avec Safari, sur iPhone ;
- TalkBack avec Chrome, sur téléphone Android.

Pages concernées : l'accueil, le catalogue et les fiches des formations, la création de compte et la connexion, le formulaire de candidature, l'espace candidat, l'espace partenaire, la page de contact, les mentions légales, la page des données personnelles et la présente déclaration."""

ACCESSIBILITY_FEEDBACK = """\
Si vous n'arrivez pas à accéder à un contenu ou à un service du portail, contactez le CNAM Mayotte : nous vous orienterons vers une alternative accessible ou vous transmettrons le contenu sous une autre forme."""

ACCESSIBILITY_REMEDIES = """\
Cette procédure est à utiliser dans le cas suivant : vous avez signalé au CNAM Mayotte un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service du portail, et vous n'avez pas obtenu de réponse satisfaisante.

Vous pouvez alors :
- écrire un message au Défenseur des droits, avec le formulaire en ligne : https://formulaire.defenseurdesdroits.fr/
- contacter le délégué du Défenseur des droits à Mayotte : https://www.defenseurdesdroits.fr/carte-des-delegues
- appeler le Défenseur des droits au 09 69 39 00 00 ;
- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07"""
