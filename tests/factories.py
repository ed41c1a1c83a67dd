"""factory_boy factories for every model the tests build."""

import datetime
import random

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from enrollment.models import ApplicantProfile, Application, Situation
from partners.models import Convention, Partner, PartnerMember, SeatAllocation, Signatory
from programs.models import Commune, Domain, Programme, QualificationLevel, Session, Site


def luhn_siret(seed: int) -> str:
    """A 14-digit number that passes the SIRET checksum."""
    body = f"{seed:013d}"[-13:]
    for last in range(10):
        candidate = body + str(last)
        total = 0
        for index, char in enumerate(reversed(candidate)):
            number = int(char)
            if index % 2 == 1:
                number = number * 2 - 9 if number * 2 > 9 else number * 2
            total += number
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.yt")
    password = factory.django.Password("motdepasse-solide-2026")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Give the account a confirmed primary email, as allauth would after sign-up."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class DomainFactory(DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Domaine {n}")
    slug = factory.Sequence(lambda n: f"domaine-{n}")


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    domain = factory.SubFactory(DomainFactory)
    title = factory.Sequence(lambda n: f"Formation numéro {n}")
    slug = factory.Sequence(lambda n: f"formation-{n}")
    code = factory.Sequence(lambda n: f"CN{n:04d}")
    summary = "Une formation qualifiante du CNAM à Mayotte."
    objectives = "Acquérir les compétences du métier."
    content = "Modules de cours, travaux dirigés, projet tutoré."
    certification_type = Programme.CertificationType.CERTIFICATE
    certification_level = QualificationLevel.LEVEL_5
    entry_level = QualificationLevel.LEVEL_4
    modality = Programme.Modality.IN_PERSON
    duration_hours = 120
    status = Programme.Status.PUBLISHED


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name", "commune")

    name = "Centre CNAM de Mamoudzou"
    commune = Commune.MAMOUDZOU
    address = "Place Mariage, 97600 Mamoudzou"


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    programme = factory.SubFactory(ProgrammeFactory)
    reference = factory.Sequence(lambda n: f"S-2027-{n:05d}")
    site = factory.SubFactory(SiteFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=120))
    rhythm = Session.Rhythm.EVENING
    schedule = "Mardi et jeudi, 17 h 30 – 20 h 30"
    hours = 120
    capacity = 20
    applications_open_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    applications_close_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    state = Session.State.SCHEDULED


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Commune partenaire {n}")
    kind = Partner.Kind.COMMUNE
    siret = factory.Sequence(lambda n: luhn_siret(21976000000 + n))
    commune = Commune.TSINGONI
    contact_email = factory.Sequence(lambda n: f"rh{n}@partenaire.yt")


class PartnerMemberFactory(DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "membre@partenaire.yt")
    full_name = "Référente RH"
    role = PartnerMember.Role.REFERENT
    joined_at = factory.LazyFunction(timezone.now)


class ConventionFactory(DjangoModelFactory):
    class Meta:
        model = Convention

    reference = factory.Sequence(lambda n: f"CONV-2026-{n + 1:03d}")
    partner = factory.SubFactory(PartnerFactory)
    title = "Convention de partenariat pour la formation des agents"
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2028, 12, 31)
    state = Convention.State.SIGNED
    signed_on = datetime.date(2026, 1, 15)


class SignatoryFactory(DjangoModelFactory):
    class Meta:
        model = Signatory

    convention = factory.SubFactory(ConventionFactory)
    party = Signatory.Party.CNAM
    full_name = "Directrice du CNAM Mayotte"
    title = "Directrice"


class SeatAllocationFactory(DjangoModelFactory):
    class Meta:
        model = SeatAllocation

    convention = factory.SubFactory(ConventionFactory)
    session = factory.SubFactory(SessionFactory)
    seats = 5


class ApplicantProfileFactory(DjangoModelFactory):
    class Meta:
        model = ApplicantProfile

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = datetime.date(1995, 5, 17)
    phone = factory.LazyFunction(lambda: f"+262639{random.randint(0, 999999):06d}")
    commune = Commune.MAMOUDZOU
    highest_level = QualificationLevel.LEVEL_4
    situation = Situation.JOB_SEEKER
    france_travail_id = factory.Sequence(lambda n: f"{1000000 + n:07d}A")
    consent_at = factory.LazyFunction(timezone.now)
    consent_text = "J'accepte que le CNAM Mayotte traite mes données pour instruire ma candidature."


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"CAND-2026-{n + 1:06d}")
    session = factory.SubFactory(SessionFactory)
    applicant = factory.SubFactory(UserFactory)
    channel = Application.Channel.ONLINE
    status = Application.Status.SUBMITTED
    motivation = "Je souhaite me reconvertir et obtenir une qualification reconnue."
