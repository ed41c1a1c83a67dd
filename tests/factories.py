"""factory_boy factories for every model the tests build, with traits for the scenes tests set up often.

A factory builds rows directly, the way a fixture sets up a scene: an application "already
offered", a session "already full". Tests of the transitions themselves go through the services.
"""

import datetime
import random

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from attendance.models import Attendance, AttendanceSheet, AttendanceStatus, Participation, Slot, Trainer
from centre.models import Centre
from cnam_portal.roles import sync_roles
from core.validators import luhn_complete
from enrollment.models import ApplicantProfile, Application, Situation
from enrollment.models.profiles import CONSENT_TEXT
from partners.models import Convention, Partner, PartnerMember, SeatAllocation, Signatory
from programs.models import Commune, Domain, Programme, QualificationLevel, Session, Site


def luhn_siret(seed: int) -> str:
    """A 14-digit number that passes the SIRET checksum."""
    return luhn_complete(f"{seed:013d}"[-13:])


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
    """A back-office account: a superuser unless it is given a ``role`` or is ``plain``."""

    is_staff = True
    is_superuser = True

    class Params:
        # Staff with no permission at all: what an account is before anyone gives it a role.
        plain = factory.Trait(is_superuser=False)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """``role=GESTIONNAIRE``: a member of that staff group, and no superuser."""
        if not (create and extracted):
            return
        # The groups come from a data migration; a transactional test elsewhere in the run may
        # have emptied the tables, so they are put back first (the sync is idempotent).
        if not Group.objects.filter(name=extracted).exists():
            sync_roles()
        if obj.is_superuser:
            obj.is_superuser = False
            obj.save(update_fields=["is_superuser"])
        obj.groups.add(Group.objects.get(name=extracted))


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
    # A certifying programme is published with its certifier and its fiche's code (Programme.clean).
    certifier = "Conservatoire national des arts et métiers"
    rs_code = "RS5487"
    entry_level = QualificationLevel.LEVEL_4
    modality = Programme.Modality.IN_PERSON
    duration_hours = 120
    status = Programme.Status.PUBLISHED

    class Params:
        # Texts that say nothing but what the test gives: searches and pages find only that.
        plain = factory.Trait(
            summary="Parcours certifiant.", objectives="Savoir faire.", content="Cours et projet.", code=""
        )


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name", "commune")

    name = "Centre CNAM de Mamoudzou"
    commune = Commune.MAMOUDZOU
    address = "Place Mariage, 97600 Mamoudzou"

    class Params:
        remote = factory.Trait(name="Plateforme à distance du CNAM", commune="", is_remote=True, address="")


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

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

    class Params:
        # Kept for one partner's staff: out of the public catalogue.
        reserved = factory.Trait(reserved_for=factory.SubFactory("tests.factories.PartnerFactory"))

    @factory.post_generation
    def full(obj, create, extracted, **kwargs):
        """``full=True``: every seat taken by an accepted application."""
        if create and extracted:
            ApplicationFactory.create_batch(obj.capacity, session=obj, status=Application.Status.ACCEPTED)


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

    class Params:
        # A référent (the default) may enrol staff; a viewer only reads.
        viewer = factory.Trait(role=PartnerMember.Role.VIEWER)


class ConventionFactory(DjangoModelFactory):
    class Meta:
        model = Convention

    # Numbers no test writes by hand (CONV-2026-010...): which tests ran before in this process
    # (xdist shares them out differently each run) must not decide whether references collide.
    reference = factory.Sequence(lambda n: f"CONV-2026-{n + 5001}")
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
    """Seats of a session given to a partner's convention: ``SeatAllocationFactory(partner=p, seats=3)``."""

    class Meta:
        model = SeatAllocation

    class Params:
        # Whose convention holds the seats, when the test does not give the convention itself.
        partner = None

    convention = factory.Maybe(
        "partner",
        yes_declaration=factory.SubFactory(ConventionFactory, partner=factory.SelfAttribute("..partner")),
        no_declaration=factory.SubFactory(ConventionFactory),
    )
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
    consent_text = CONSENT_TEXT


class ApplicantFactory(UserFactory):
    """A person with a complete applicant profile; ``profile__highest_level=...`` and so on change it."""

    profile = factory.RelatedFactory(ApplicantProfileFactory, factory_related_name="user")


def _when(status, value, otherwise=None):
    """A field that only ``status`` requires (the database refuses that status without it)."""
    return factory.LazyAttribute(lambda o: value() if o.status == status else otherwise)


class ApplicationFactory(DjangoModelFactory):
    """An application already in ``status``, with the dates and reason that status requires."""

    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"CAND-2026-{n + 1:06d}")
    session = factory.SubFactory(SessionFactory)
    applicant = factory.SubFactory(ApplicantFactory)
    channel = Application.Channel.ONLINE
    status = Application.Status.SUBMITTED
    motivation = "Je souhaite me reconvertir et obtenir une qualification reconnue."
    waitlisted_at = _when(Application.Status.WAITLISTED, timezone.now)
    offer_expires_at = _when(Application.Status.OFFERED, lambda: timezone.now() + datetime.timedelta(hours=48))
    rejection_reason = _when(Application.Status.REJECTED, lambda: "Dossier incomplet.", otherwise="")

    class Params:
        offered = factory.Trait(status=Application.Status.OFFERED, offered_at=factory.LazyFunction(timezone.now))
        enrolled = factory.Trait(status=Application.Status.ENROLLED, enrolled_at=factory.LazyFunction(timezone.now))


class PartnerApplicationFactory(ApplicationFactory):
    """One of the partner's staff, enrolled by the partner on an allocation of its convention."""

    class Params:
        allocation = factory.SubFactory(SeatAllocationFactory)
        # The portal names the accounts it makes after their email; a test that gives one gets that.
        email = None

    session = factory.SelfAttribute("allocation.session")
    convention = factory.SelfAttribute("allocation.convention")
    channel = Application.Channel.PARTNER
    status = Application.Status.ENROLLED
    applicant = factory.Maybe(
        "email",
        yes_declaration=factory.SubFactory(
            ApplicantFactory,
            username=factory.SelfAttribute("..email"),
            email=factory.SelfAttribute("..email"),
            profile__employer=factory.SelfAttribute("...allocation.convention.partner"),
            profile__job_title="Agent administratif",
        ),
        no_declaration=factory.SubFactory(
            ApplicantFactory,
            profile__employer=factory.SelfAttribute("...allocation.convention.partner"),
            profile__job_title="Agent administratif",
        ),
    )


class CentreFactory(DjangoModelFactory):
    """The centre record: its one row (made again if a flush removed it), updated with the fields given."""

    class Meta:
        model = Centre

    @classmethod
    def _create(cls, model_class, *args, **fields):
        record = model_class.objects.first() or model_class()
        for name, value in fields.items():
            setattr(record, name, value)
        record.full_clean()
        record.save()
        return record


def build_catalogue(count: int) -> list[Programme]:
    """``count`` published programmes, each with two public sessions and one reserved session.

    Sessions are bulk-inserted: building 500 programmes stays fast.
    """
    domain = DomainFactory(slug="catalogue-volume", name="Volume")
    site = SiteFactory()
    remote = SiteFactory(remote=True)
    partner = PartnerFactory()
    programmes = ProgrammeFactory.create_batch(count, domain=domain)
    today = timezone.localdate()
    sessions = []
    for index, programme in enumerate(programmes):
        for offset, place, reserved in ((30, site, None), (90, remote, None), (60, site, partner)):
            sessions.append(
                SessionFactory.build(
                    programme=programme,
                    site=place,
                    reserved_for=reserved,
                    start_date=today + datetime.timedelta(days=offset + index % 7),
                    rhythm=Session.Rhythm.REMOTE if place.is_remote else Session.Rhythm.EVENING,
                )
            )
    Session.objects.bulk_create(sessions)
    return programmes


# --- After the enrollment: trainers, course days, sheets, follow-up --------------------------------


class TrainerFactory(DjangoModelFactory):
    """A formateur's account (no staff right); ``sessions=[...]`` links it to the sessions it runs."""

    class Meta:
        model = Trainer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, first_name="Nadia", last_name=factory.Sequence(lambda n: f"Formatrice{n}"))

    @factory.post_generation
    def sessions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sessions.set(extracted)


class SlotFactory(DjangoModelFactory):
    """A course day of a session: by default its first day, 17 h 30 – 20 h 30, at the session's site."""

    class Meta:
        model = Slot

    session = factory.SubFactory(SessionFactory)
    date = factory.LazyAttribute(lambda o: o.session.start_date)
    start_time = datetime.time(17, 30)
    end_time = datetime.time(20, 30)
    site = factory.LazyAttribute(lambda o: o.session.site)


class AttendanceSheetFactory(DjangoModelFactory):
    class Meta:
        model = AttendanceSheet

    slot = factory.SubFactory(SlotFactory)
    opened_by = factory.SubFactory(UserFactory)


class AttendanceFactory(DjangoModelFactory):
    """A line of a sheet: a person present (signed now) unless ``status`` says otherwise."""

    class Meta:
        model = Attendance

    sheet = factory.SubFactory(AttendanceSheetFactory)
    application = factory.SubFactory(
        ApplicationFactory, enrolled=True, session=factory.SelfAttribute("..sheet.slot.session")
    )
    status = AttendanceStatus.PRESENT
    signed_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == AttendanceStatus.PRESENT else None)
    reason = factory.LazyAttribute(lambda o: "Certificat médical." if o.status == AttendanceStatus.EXCUSED else "")


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    application = factory.SubFactory(ApplicationFactory, enrolled=True)
    entered_on = factory.LazyAttribute(lambda o: o.application.session.start_date)
