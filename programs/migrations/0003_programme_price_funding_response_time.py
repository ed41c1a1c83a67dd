from decimal import Decimal

import django.core.validators
from django.db import migrations, models

import programs.models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_search_config_and_audiences"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="duration_months",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Nombre de mois du début à la fin du parcours, s'il est connu : affiché « 450 heures sur 12 mois ».",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "Une formation dure au moins 1 mois : laissez vide pour une formation plus courte."
                    ),
                    django.core.validators.MaxValueValidator(60, "Indiquez une durée de 60 mois au plus."),
                ],
                verbose_name="durée (mois)",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="funding_routes",
            field=programs.models.ChoiceListField(
                blank=True,
                choices_class=programs.models.FundingRoute,
                help_text="Les dispositifs qui peuvent payer la formation ; le Conseil départemental de Mayotte tient lieu de Région.",
                verbose_name="financements possibles",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="price_eur",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Prix total TTC du parcours pour une personne, en euros. 0 : gratuit (affiché « Gratuit »). Vide : tarif pas encore fixé (affiché « Tarif sur demande »).",
                max_digits=8,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        Decimal("0"), "Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite."
                    )
                ],
                verbose_name="prix (€)",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="price_note",
            field=models.CharField(
                blank=True,
                help_text="Ex. : pris en charge pour les demandeurs d'emploi.",
                max_length=200,
                verbose_name="précision sur le prix",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="response_days",
            field=models.PositiveSmallIntegerField(
                default=15,
                help_text="Jours, après réception d'une candidature, sous lesquels le CNAM Mayotte répond : affiché « Réponse sous N jours » (de 1 à 90).",
                validators=[
                    django.core.validators.MinValueValidator(1, "Le délai de réponse est d'au moins 1 jour."),
                    django.core.validators.MaxValueValidator(90, "Le délai de réponse ne peut pas dépasser 90 jours."),
                ],
                verbose_name="délai de réponse (jours)",
            ),
        ),
        migrations.AlterField(
            model_name="programme",
            name="duration_text",
            field=models.CharField(
                blank=True,
                help_text="Précision affichée sous la durée, ex. : Dont 8 semaines de stage en entreprise.",
                max_length=120,
                verbose_name="durée (précision)",
            ),
        ),
        migrations.AddConstraint(
            model_name="programme",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("duration_months__isnull", True),
                    models.Q(("duration_months__gte", 1), ("duration_months__lte", 60)),
                    _connector="OR",
                ),
                name="programme_duration_months_range",
                violation_error_message="La durée en mois est comprise entre 1 et 60.",
            ),
        ),
        migrations.AddConstraint(
            model_name="programme",
            constraint=models.CheckConstraint(
                condition=models.Q(("price_eur__isnull", True), ("price_eur__gte", 0), _connector="OR"),
                name="programme_price_non_negative",
                violation_error_message="Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite.",
            ),
        ),
        migrations.AddConstraint(
            model_name="programme",
            constraint=models.CheckConstraint(
                condition=models.Q(("response_days__gte", 1), ("response_days__lte", 90)),
                name="programme_response_days_range",
                violation_error_message="Le délai de réponse est compris entre 1 et 90 jours.",
            ),
        ),
    ]
