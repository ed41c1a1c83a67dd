"""The retention periods named from the settings; a record still holding the first wording gets the new one."""

from django.db import migrations, models

# Frozen here as they were written: later wordings come with their own migration.
RETENTION_BEFORE = "- Candidatures, pièces justificatives et demandes de VAE : deux ans après la fin de la session (ou de la procédure de VAE), puis elles sont supprimées ;\n- Inscriptions faites par un partenaire : jusqu'à la fin de la convention, puis deux ans après la fin de la session ;\n- Compte et profil de candidat : supprimés après trois ans sans connexion ;\n- Journaux techniques du serveur : un an au plus ;\n- Statistiques : sans limite de durée, car elles ne permettent plus de vous identifier."
RETENTION_WITH_PERIODS = "- Pièces justificatives d'une candidature refusée, retirée, expirée ou annulée : effacées {pieces_candidatures_closes} après la décision ;\n- Pièces d'une inscription et attestations d'inscription : conservées {preuves_inscription} après la fin de la session, la durée pendant laquelle les financeurs (Fonds social européen, France Travail, OPCO, Région) peuvent contrôler la formation, puis effacées ;\n- Pièces d'une demande de VAE : effacées {pieces_candidatures_closes} après une décision de non-recevabilité, {preuves_inscription} après le résultat ;\n- Compte et profil de candidat : après {compte_inactif} sans connexion ni candidature en cours, un courriel vous prévient ; sans nouvelle connexion dans les {preavis_compte_inactif} qui suivent, ils sont anonymisés ;\n- Vous pouvez à tout moment télécharger vos données ou supprimer votre compte depuis votre espace candidat (« Mes données personnelles ») ;\n- Journaux techniques du serveur : un an au plus ;\n- Statistiques : sans limite de durée, car elles ne permettent plus de vous identifier."


def use_the_settings_periods(apps, schema_editor):
    Centre = apps.get_model("centre", "Centre")
    Centre.objects.filter(privacy_retention=RETENTION_BEFORE).update(privacy_retention=RETENTION_WITH_PERIODS)


def back_to_the_first_wording(apps, schema_editor):
    Centre = apps.get_model("centre", "Centre")
    Centre.objects.filter(privacy_retention=RETENTION_WITH_PERIODS).update(privacy_retention=RETENTION_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0002_centre_record"),
    ]

    operations = [
        migrations.AlterField(
            model_name="centre",
            name="privacy_retention",
            field=models.TextField(
                default=RETENTION_WITH_PERIODS,
                help_text="Texte simple, sans balises : une ligne vide commence un nouveau paragraphe, une ligne qui commence par « - » devient un élément de liste, les adresses web et de courriel deviennent des liens. Les durées fixées par la configuration du portail s'écrivent entre accolades et s'affichent à jour : {pieces_candidatures_closes}, {preuves_inscription}, {compte_inactif}, {preavis_compte_inactif}.",
                verbose_name="durées de conservation",
            ),
        ),
        migrations.RunPython(use_the_settings_periods, back_to_the_first_wording),
    ]
