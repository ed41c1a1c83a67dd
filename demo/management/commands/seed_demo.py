"""``manage.py seed_demo``: load the demo catalogue, partners, applicants and applications.

Idempotent: every object is found by its natural key (slug, reference, email) and written
only when a value differs, so a second run on the same day changes no row at all; a run on
a later day only moves the dates, which follow today so that the demo stays alive.

Applications are written directly, with their status history, instead of through the
enrollment services: the services queue a notification per change and the demo must not
send anything. The seat rule is still the ledger's one (``enrollment.seats``), checked at the end.

The demo's passwords are printed and written in this file: anyone may sign in with them. So
with ``DEBUG`` off the command refuses to run (the database may be production's) unless told
``--i-know-this-is-production``; it then gives every demo account an unusable password, and
takes it away from a demo account that still has its published one. Nothing usable is printed
either, since a command's output ends up in deployment logs: the operator sets the
administrator's password with ``manage.py changepassword``.
"""

import datetime
from collections import Counter
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import codes, progress
from attendance.models import (
    AbsenceAlert,
    Attendance,
    AttendanceSheet,
    AttendanceStatus,
    FunderDocument,
    Participation,
    ParticipationChange,
    ParticipationState,
    Slot,
    Trainer,
)
from attendance.recurrence import course_days, parse_patterns
from centre.models import Centre
from core.models import Notification
from demo import data as demo_data
from demo.data import followup as followup_data
from enrollment.forms.applications import CONSENT_TEXT
from enrollment.models import ApplicantProfile, Application, ApplicationStatus, ApplicationStatusChange
from enrollment.seats import allocations_with_usage, session_seat_count
from enrollment.services.sessions import session_results_check
from partners.models import (
    Axis,
    CallForProjects,
    Convention,
    ConventionArticle,
    Partner,
    PartnerMember,
    SeatAllocation,
    Signatory,
)
from programs.models import Audience, Domain, Programme, Session, Site

ADMIN_EMAIL = "admin@cnam-mayotte.fr"
ADMIN_PASSWORD = "Lagon-Bleu-Admin-976"
PARTNER_PASSWORD = "Partenaire-Demo-976"
TRAINER_PASSWORD = "Formateur-Demo-976"
APPLICANT_PASSWORD = "Candidat-Demo-976"
PRODUCTION_FLAG = "--i-know-this-is-production"

# What a programme of the demo states when demo_data.PROGRAMME_INFORMATION leaves a field out.
PROGRAMME_INFORMATION_DEFAULTS = {
    "expected_results": "",
    "teaching_methods": "",
    "assessment_methods": "",
    "access_terms": "",
    "access_delay_days": None,
    "disability_access": "",
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
    "certifier": "",
    "rs_code": "",
    "certification_registered_on": None,
    "training_path": Programme.TrainingPath.GROUP,
    "formacode_domain": "",
}

# Statuses a staff member reaches by deciding on an application.
DECISION_STATUSES = {
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ENROLLED,
}
FINAL_STATUSES = {
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.EXPIRED,
    ApplicationStatus.CANCELLED,
}


class DemoSeeder:
    """Writes the demo data set; one instance per run, inside the caller's transaction."""

    def __init__(self, *, today: datetime.date, with_passwords: bool = True):
        self.today = today
        # False outside development: no demo account gets (or keeps) a published password.
        self.with_passwords = with_passwords
        self.tz = timezone.get_default_timezone()
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self._password_hashes: dict[str, str] = {}
        self.domains: dict[str, Domain] = {}
        self.programmes: dict[str, Programme] = {}
        self.sites: dict[str, Site] = {}
        self.sessions: dict[str, Session] = {}
        self.partners: dict[str, Partner] = {}
        self.referents: dict[int, object] = {}  # partner pk -> référent account
        self.conventions: dict[str, Convention] = {}
        self.applicants: dict[str, object] = {}
        self.admin = None
        self.trainer = None

    # --- helpers -------------------------------------------------------------

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def at(self, offset: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(self.day(offset), datetime.time(hour, minute), tzinfo=self.tz)

    def upsert(self, model, lookup: dict, values: dict, *, on_create: dict | None = None, m2m: dict | None = None):
        """Find the row by ``lookup``; create it, or save it only if one of ``values`` differs.

        ``on_create`` holds what is set once and then left to its owner (a password, a join date).
        """
        label = model._meta.verbose_name_plural
        obj = model.objects.filter(**lookup).order_by("pk").first()
        created = obj is None
        if created:
            obj = model(**lookup, **values, **(on_create or {}))
            self.validate(obj)
            obj.save()
            self.created[label] += 1
        else:
            changed = False
            for name, value in values.items():
                field = model._meta.get_field(name)
                if field.is_relation:
                    current, wanted = getattr(obj, field.attname), (value.pk if value is not None else None)
                else:
                    current, wanted = getattr(obj, name), value
                if current != wanted:
                    setattr(obj, name, value)
                    changed = True
            if changed:
                self.validate(obj)
                obj.save()
                self.updated[label] += 1
        for name, targets in (m2m or {}).items():
            manager = getattr(obj, name)
            if set(manager.values_list("pk", flat=True)) != {target.pk for target in targets}:
                manager.set(targets)
                if not created:
                    self.updated[label] += 1
        return obj

    @staticmethod
    def validate(obj) -> None:
        """Check fields (choices, SIRET, phone, RNCP code…); the database enforces its own constraints.

        Django validates each check constraint with one query of its own; the database checks the
        same rules on insert for free, so the seed stays fast.
        """
        obj.full_clean(validate_unique=False, validate_constraints=False)

    def prune(self, queryset) -> None:
        """Delete demo rows that the data set no longer lists (an article removed, a signatory renamed)."""
        deleted, _by_model = queryset.delete()
        if deleted:
            self.updated[queryset.model._meta.verbose_name_plural] += deleted

    def password_hash(self, password: str) -> str:
        # One hash per password: hashing is deliberately slow and the demo shares three passwords.
        if password not in self._password_hashes:
            self._password_hashes[password] = make_password(password)
        return self._password_hashes[password]

    def user(
        self,
        email: str,
        *,
        first_name: str,
        last_name: str,
        password: str,
        joined: datetime.datetime,
        is_superuser: bool = False,
    ):
        user_model = get_user_model()
        existing = user_model.objects.filter(email__iexact=email).order_by("pk").first()
        if existing is None:
            candidate = user_model(username=email, email=email, first_name=first_name, last_name=last_name)
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError(f"{email} : {' '.join(error.messages)}") from error
        if self.with_passwords:
            password_hash = self.password_hash(password)
            voided = {}
        else:
            password_hash = make_password(None)
            # An account seeded earlier in development loses its published password; one whose
            # owner chose their own keeps it.
            published = existing is not None and check_password(password, existing.password)
            voided = {"password": password_hash} if published else {}
        user = self.upsert(
            user_model,
            {"pk": existing.pk} if existing else {"username": email},
            {
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "is_active": True,
                "is_staff": is_superuser,
                "is_superuser": is_superuser,
                **voided,
            },
            # The password is the account owner's once set: a second run does not reset it (nor hash it).
            on_create=None if existing else {"password": password_hash, "date_joined": joined},
        )
        self.upsert(EmailAddress, {"user": user, "email": email}, {"verified": True, "primary": True})
        return user

    # --- the data set --------------------------------------------------------

    def run(self) -> None:
        notifications_before = Notification.objects.count()
        self.admin = self.user(
            ADMIN_EMAIL,
            first_name="Administrateur",
            last_name="CNAM Mayotte",
            password=ADMIN_PASSWORD,
            joined=self.at(-420),
            is_superuser=True,
        )
        self.seed_centre()
        self.seed_catalogue()
        self.seed_partners()
        self.seed_sessions()
        self.seed_conventions()
        self.seed_calls()
        self.seed_applicants()
        self.seed_applications()
        self.seed_followup()
        self.check_demo(notifications_before=notifications_before)

    def seed_centre(self) -> None:
        # The one row the migration creates (made again if missing): the demo's référent handicap.
        self.upsert(Centre, {"singleton": True}, dict(demo_data.CENTRE))

    def seed_catalogue(self) -> None:
        for position, (slug, name, description) in enumerate(demo_data.DOMAINS, start=1):
            self.domains[slug] = self.upsert(
                Domain, {"slug": slug}, {"name": name, "description": description, "position": position}
            )
        audiences = {audience.code: audience for audience in Audience.objects.all()}
        for item in demo_data.PROGRAMMES:
            published = item.status == Programme.Status.PUBLISHED
            information = {**PROGRAMME_INFORMATION_DEFAULTS, **demo_data.PROGRAMME_INFORMATION.get(item.slug, {})}
            if information["certification_registered_on"]:
                information["certification_registered_on"] = datetime.date.fromisoformat(
                    information["certification_registered_on"]
                )
            self.programmes[item.slug] = self.upsert(
                Programme,
                {"slug": item.slug},
                {
                    "domain": self.domains[item.domain],
                    "title": item.title,
                    "code": item.code,
                    "summary": item.summary,
                    "objectives": item.objectives,
                    "content": item.content,
                    "prerequisites": item.prerequisites,
                    "certification_type": item.certification_type,
                    "certification_level": item.certification_level,
                    "rncp_code": item.rncp_code,
                    "entry_level": item.entry_level,
                    "modality": item.modality,
                    "rhythm": item.rhythm,
                    "is_work_study": item.is_work_study,
                    "vae_available": item.vae_available,
                    "duration_hours": item.duration_hours,
                    "duration_months": item.duration_months,
                    "duration_text": item.duration_text,
                    "price_eur": Decimal(item.price_eur),
                    "price_note": item.price_note,
                    "funding_routes": list(item.funding_routes),
                    "response_days": item.response_days,
                    **information,
                    "status": item.status,
                    "published_at": self.at(-item.published_days_ago, 10) if published else None,
                },
                m2m={"audiences": [audiences[code] for code in item.audiences]},
            )
        for key, item in demo_data.SITES.items():
            self.sites[key] = self.upsert(
                Site,
                {"name": item["name"], "commune": item["commune"]},
                {
                    "address": item["address"],
                    "is_remote": item.get("is_remote", False),
                    "accessibility": item["accessibility"],
                },
            )

    def seed_partners(self) -> None:
        for key, item in demo_data.PARTNERS.items():
            self.partners[key] = self.upsert(
                Partner, {"name": item["name"]}, {name: value for name, value in item.items() if name != "name"}
            )
        for member in demo_data.MEMBERS:
            user = self.user(
                member.email,
                first_name=member.first_name,
                last_name=member.last_name,
                password=PARTNER_PASSWORD,
                joined=self.at(-99, 14),
            )
            self.upsert(
                PartnerMember,
                {"partner": self.partners[member.partner], "email": member.email},
                {
                    "user": user,
                    "full_name": f"{member.first_name} {member.last_name}",
                    "job_title": member.job_title,
                    "role": member.role,
                    "invited_at": self.at(-100, 11),
                    "joined_at": self.at(-99, 14),
                    "is_active": True,
                },
            )
            if member.role == PartnerMember.Role.REFERENT:
                self.referents[self.partners[member.partner].pk] = user

    def seed_sessions(self) -> None:
        for item in demo_data.SESSIONS:
            self.sessions[item.reference] = self.upsert(
                Session,
                {"reference": item.reference},
                {
                    "programme": self.programmes[item.programme],
                    "site": self.sites[item.site],
                    "start_date": self.day(item.starts_in),
                    "end_date": self.day(item.starts_in + item.lasts),
                    "rhythm": item.rhythm,
                    "schedule": item.schedule,
                    "hours": item.hours,
                    "capacity": item.capacity,
                    "applications_open_at": self.at(item.opens_in, 8),
                    "applications_close_at": self.at(item.closes_in, 23, 59),
                    "state": item.state,
                    "reserved_for": self.partners[item.reserved_for] if item.reserved_for else None,
                    "notes": item.notes,
                    "completed_count": item.completed_count,
                    "certified_count": item.certified_count,
                },
            )

    def seed_conventions(self) -> None:
        axes = {axis.number: axis for axis in Axis.objects.all()}
        if set(axes) != {1, 2, 3, 4, 5, 6}:
            raise CommandError(_("Les six axes de la convention du rectorat manquent : appliquez les migrations."))
        for item in demo_data.CONVENTIONS:
            convention = self.upsert(
                Convention,
                {"reference": item.reference},
                {
                    "partner": self.partners[item.partner],
                    "title": item.title,
                    "preamble": item.preamble,
                    "start_date": self.day(item.starts_in),
                    "end_date": self.day(item.starts_in + item.lasts - 1),
                    "state": item.state,
                    "signed_on": self.day(item.signed_in) if item.signed_in is not None else None,
                    "financial_terms": item.financial_terms,
                    "amount": Decimal(item.amount) if item.amount else None,
                },
                m2m={"axes": [axes[number] for number in item.axes]},
            )
            self.conventions[item.reference] = convention
            for number, (title, body) in enumerate(item.articles, start=1):
                self.upsert(
                    ConventionArticle, {"convention": convention, "number": number}, {"title": title, "body": body}
                )
            self.prune(convention.articles.filter(number__gt=len(item.articles)))
            kept = []
            for position, (party, full_name, title) in enumerate(item.signatories):
                signatory = self.upsert(
                    Signatory,
                    {"convention": convention, "party": party, "position": position},
                    {"full_name": full_name, "title": title},
                )
                kept.append(signatory.pk)
            self.prune(convention.signatories.exclude(pk__in=kept))
            for reference, seats in item.allocations:
                self.upsert(
                    SeatAllocation, {"convention": convention, "session": self.sessions[reference]}, {"seats": seats}
                )

    def seed_calls(self) -> None:
        axes = {axis.number: axis for axis in Axis.objects.all()}
        for item in demo_data.CALLS:
            self.upsert(
                CallForProjects,
                {"title": item.title},
                {
                    "funder": item.funder,
                    "funder_name": item.funder_name,
                    "description": item.description,
                    "deadline": self.day(item.deadline_in),
                    "state": item.state,
                    "amount_requested": Decimal(item.amount_requested) if item.amount_requested else None,
                    "amount_obtained": Decimal(item.amount_obtained) if item.amount_obtained else None,
                    "convention": self.conventions[item.convention] if item.convention else None,
                },
                m2m={
                    "partners": [self.partners[key] for key in item.partners],
                    "axes": [axes[number] for number in item.axes],
                },
            )

    def seed_applicants(self) -> None:
        # Each applicant opened an account shortly before their first application.
        first_day = {}
        for application in demo_data.APPLICATIONS:
            step = application.steps[0]
            first_day[application.applicant] = min(first_day.get(application.applicant, (0, 24)), (step.day, step.hour))
        emails = [item.email for item in demo_data.APPLICANTS.values()]
        if len(set(emails)) != len(emails):
            raise CommandError(_("Deux candidats de démonstration ont la même adresse électronique."))
        for key, item in demo_data.APPLICANTS.items():
            day, hour = first_day.get(key, (-30, 10))
            joined = self.at(day, hour) - datetime.timedelta(minutes=30)
            user = self.user(
                item.email,
                first_name=item.first_name,
                last_name=item.last_name,
                password=APPLICANT_PASSWORD,
                joined=joined,
            )
            self.upsert(
                ApplicantProfile,
                {"user": user},
                {
                    "first_name": item.first_name,
                    "last_name": item.last_name,
                    "birth_date": datetime.date.fromisoformat(item.birth_date),
                    "phone": self.phone(len(self.applicants)),
                    "commune": item.commune,
                    "highest_level": item.highest_level,
                    "situation": item.situation,
                    "france_travail_id": item.france_travail_id,
                    "employer": self.partners[item.employer] if item.employer else None,
                    "job_title": item.job_title,
                    "consent_at": joined,
                    # The wording the profile form records, so the demo profiles do not ask for consent again.
                    "consent_text": CONSENT_TEXT,
                },
            )
            self.applicants[key] = user

    @staticmethod
    def phone(index: int) -> str:
        # Mayotte mobile numbers, distinct and stable from one run to the next.
        return f"+262639{401000 + index * 137:06d}"

    def seed_applications(self) -> None:
        hold = datetime.timedelta(hours=settings.OFFER_HOLD_HOURS)
        for item in demo_data.APPLICATIONS:
            applicant = self.applicants[item.applicant]
            convention = self.conventions[item.convention] if item.convention else None
            actors = {
                "applicant": applicant,
                "cnam": self.admin,
                "referent": self.referents.get(convention.partner_id) if convention else None,
                "": None,
            }
            timeline = [(step, self.at(step.day, step.hour)) for step in item.steps]
            reached = {}
            for step, moment in timeline:
                reached.setdefault(step.status, []).append((step, moment))

            def first(*statuses, reached=reached):
                moments = [entries[0][1] for status, entries in reached.items() if status in statuses]
                return min(moments) if moments else None

            def last(status, reached=reached):
                return reached[status][-1][1] if status in reached else None

            final_step, final_moment = timeline[-1]
            offered_at = last(ApplicationStatus.OFFERED)
            enroll_step = reached.get(ApplicationStatus.ENROLLED, [(None, None)])[0][0]
            application = self.upsert(
                Application,
                {"reference": item.reference},
                {
                    "session": self.sessions[item.session],
                    "applicant": applicant,
                    "channel": item.channel,
                    "convention": convention,
                    "enrolled_by": actors[enroll_step.by] if enroll_step else None,
                    "status": final_step.status,
                    "motivation": item.motivation,
                    "entry_route": item.entry_route,
                    "entry_justification": item.entry_justification,
                    "rejection_reason": item.rejection_reason,
                    "submitted_at": timeline[0][1],
                    "decided_at": first(*DECISION_STATUSES),
                    "waitlisted_at": last(ApplicationStatus.WAITLISTED),
                    "offered_at": offered_at,
                    "offer_expires_at": offered_at + hold if offered_at else None,
                    "enrolled_at": last(ApplicationStatus.ENROLLED),
                    "closed_at": final_moment if final_step.status in FINAL_STATUSES else None,
                },
            )
            history = []
            previous = ""
            for step, moment in timeline:
                actor = actors[step.by]
                reason = step.reason or (item.rejection_reason if step.status == ApplicationStatus.REJECTED else "")
                history.append((previous, step.status, moment, actor.pk if actor else None, reason))
                previous = step.status
            self.sync_history(application, history)

    def sync_history(self, application: Application, expected: list[tuple]) -> None:
        fields = ("from_status", "to_status", "changed_at", "changed_by_id", "reason")
        current = list(application.history.order_by("changed_at", "pk").values_list(*fields))
        if current == expected:
            return
        self.prune(application.history.all())
        ApplicationStatusChange.objects.bulk_create(
            ApplicationStatusChange(application=application, **dict(zip(fields, row, strict=True))) for row in expected
        )
        self.created[ApplicationStatusChange._meta.verbose_name_plural] += len(expected)

    # --- the course's follow-up ---------------------------------------------

    def seed_followup(self) -> None:
        """The trainer, the course days of the running and the ended session, their closed sheets.

        Written directly, like the applications: the follow-up services would email every entry
        and alert. A slot whose day moved (a later run) goes with its sheet, and is made again.
        """
        data = followup_data.TRAINER
        user = self.user(
            data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            password=TRAINER_PASSWORD,
            joined=self.at(-200),
        )
        self.trainer = self.upsert(
            Trainer,
            {"user": user},
            {"is_active": True},
            m2m={"sessions": [self.sessions[reference] for reference in followup_data.TRAINER_SESSIONS]},
        )
        for reference, attendees in followup_data.ATTENDEES.items():
            self.seed_course(self.sessions[reference], attendees)

    def seed_course(self, session: Session, attendees) -> None:
        days = course_days(parse_patterns(session.schedule), first=session.start_date, last=session.end_date)
        slots = [
            self.upsert(
                Slot,
                {"session": session, "date": spec.date, "start_time": spec.start},
                {"end_time": spec.end, "site": session.site, "state": Slot.State.PLANNED, "cancel_reason": ""},
            )
            for spec in days.specs
        ]
        gone = Slot.objects.filter(session=session).exclude(pk__in=[slot.pk for slot in slots])
        self.prune(AttendanceSheet.objects.filter(slot__in=gone))
        self.prune(gone)
        past = [slot for slot in slots if slot.date < self.today]
        applications = {
            application.applicant_id: application
            for application in Application.objects.filter(session=session, status=ApplicationStatus.ENROLLED)
        }
        people = [(applications[self.applicants[item.applicant].pk], item) for item in attendees]
        for index, slot in enumerate(past):
            self.seed_sheet(slot, index, len(past), people)
        courses = progress.courses_of(applications=[application for application, _item in people])
        for application, item in people:
            self.seed_participation(application, item, courses[application.pk], past)

    @staticmethod
    def _status_on(item, index: int, count: int) -> str | None:
        """What ``item`` shows on the ``index``-th of ``count`` past course days (None: had left)."""

        def listed(indexes) -> bool:
            return any(position % count == index for position in indexes)

        if item.left_after is not None and index > item.left_after:
            return None
        if listed(item.absent):
            return AttendanceStatus.ABSENT
        if listed(item.excused):
            return AttendanceStatus.EXCUSED
        if listed(item.late):
            return AttendanceStatus.LATE
        return AttendanceStatus.PRESENT

    def seed_sheet(self, slot: Slot, index: int, count: int, people) -> None:
        trainer = self.trainer.user
        closed_at = slot.ends_at + datetime.timedelta(minutes=10)
        sheet = self.upsert(
            AttendanceSheet,
            {"slot": slot},
            {
                "state": AttendanceSheet.State.CLOSED,
                "opened_by": trainer,
                "closed_at": closed_at,
                "countersigned_by": trainer,
            },
        )
        statuses = []
        for application, item in people:
            status = self._status_on(item, index, count)
            if status is None:
                status = AttendanceStatus.ABSENT
            signed_at = None
            if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
                minutes = 25 if status == AttendanceStatus.LATE else 4 + application.pk % 7
                signed_at = slot.starts_at + datetime.timedelta(minutes=minutes)
            self.upsert(
                Attendance,
                {"sheet": sheet, "application": application},
                {
                    "status": status,
                    "signed_at": signed_at,
                    "signature": codes.signature_for(
                        sheet_id=sheet.pk, application_id=application.pk, signed_at=signed_at
                    )
                    if signed_at
                    else "",
                    "reason": followup_data.EXCUSE if status == AttendanceStatus.EXCUSED else "",
                    "marked_by": None if signed_at else trainer,
                },
            )
            statuses.append((application.pk, status))
        countersignature = codes.countersignature_for(
            sheet_id=sheet.pk, user_id=trainer.pk, closed_at=closed_at, lines=statuses
        )
        self.upsert(AttendanceSheet, {"pk": sheet.pk}, {"countersignature": countersignature})

    def seed_participation(self, application: Application, item, course, past: list[Slot]) -> None:
        if not course.attended_dates:
            return
        exited_on = None
        if item.exit_kind:
            last = past[item.left_after] if item.left_after is not None else past[-1]
            exited_on = max(last.date, course.attended_dates[0])
        state = ParticipationState.EXITED if exited_on else ParticipationState.IN_TRAINING
        participation = self.upsert(
            Participation,
            {"application": application},
            {
                "state": state,
                "entered_on": course.attended_dates[0],
                "exited_on": exited_on,
                "exit_kind": item.exit_kind,
                "abandon_reason": item.abandon_reason,
                "exit_note": "",
                "hours_planned": course.hours_planned,
                "hours_attended": course.hours_attended,
            },
        )
        moves = [("", ParticipationState.ENTERED, course.attended_dates[0])]
        if len(course.attended_dates) > 1:
            moves.append((ParticipationState.ENTERED, ParticipationState.IN_TRAINING, course.attended_dates[1]))
        if exited_on:
            moves.append((ParticipationState.IN_TRAINING, ParticipationState.EXITED, exited_on))
        expected = [
            (from_state, to_state, datetime.datetime.combine(day, datetime.time(12), tzinfo=self.tz))
            for from_state, to_state, day in moves
        ]
        fields = ("from_state", "to_state", "changed_at")
        if list(participation.history.order_by("changed_at", "pk").values_list(*fields)) != expected:
            self.prune(participation.history.all())
            ParticipationChange.objects.bulk_create(
                ParticipationChange(participation=participation, **dict(zip(fields, row, strict=True)))
                for row in expected
            )
        # The documents funders ask for, as the follow-up asks for them; the workers render them.
        months = sorted({progress.month_start(slot.date) for slot in past if slot.date < self.today.replace(day=1)})
        wanted = [(FunderDocument.Kind.ENTRY, None), *((FunderDocument.Kind.MONTHLY, month) for month in months)]
        if exited_on:
            wanted.append((FunderDocument.Kind.COMPLETION, None))
        for kind, month in wanted:
            self.upsert(FunderDocument, {"application": application, "kind": kind, "month": month}, {})
        self.prune(
            FunderDocument.objects.filter(application=application).exclude(
                pk__in=[
                    document.pk
                    for kind, month in wanted
                    for document in FunderDocument.objects.filter(application=application, kind=kind, month=month)
                ]
            )
        )
        missed = [slot for slot in past if slot.pk in {slot_id for slot_id, status in course.closed[-2:]}]
        streak = [status for _slot_id, status in course.closed[-2:]]
        if not exited_on and len(streak) == 2 and set(streak) == {AttendanceStatus.ABSENT}:
            self.upsert(AbsenceAlert, {"application": application, "slot": missed[-1]}, {"missed_count": 2})

    # --- checks --------------------------------------------------------------

    def check_demo(self, *, notifications_before: int) -> None:
        """Fail loudly, rolling everything back, if the demo breaks a rule the portal relies on."""
        problems = []
        for reference, session in self.sessions.items():
            count = session_seat_count(session_id=session.pk)
            if count.taken + count.reserved > count.capacity:
                problems.append(
                    _("%(ref)s : %(taken)d places occupées et %(reserved)d réservées pour %(capacity)d places.")
                    % {"ref": reference, "taken": count.taken, "reserved": count.reserved, "capacity": count.capacity}
                )
            for allocation in allocations_with_usage(SeatAllocation.objects.filter(session=session)):
                if allocation.seats_used > allocation.seats:
                    problems.append(
                        _("%(ref)s : la convention %(conv)s occupe %(used)d places pour %(seats)d réservées.")
                        % {
                            "ref": reference,
                            "conv": allocation.convention.reference,
                            "used": allocation.seats_used,
                            "seats": allocation.seats,
                        }
                    )
            try:
                session_results_check(
                    session=session, completed=session.completed_count, certified=session.certified_count
                )
            except ValidationError as error:
                problems.extend(error.messages)
        # The demo must never write to the outbox; rows left by people trying the demo are theirs.
        if Notification.objects.count() != notifications_before:
            problems.append(_("Des notifications ont été créées : la démonstration ne doit envoyer aucun courriel."))
        if problems:
            raise CommandError(
                _("Données de démonstration incohérentes, rien n'a été enregistré :") + "\n  " + "\n  ".join(problems)
            )


class Command(BaseCommand):
    help = _(
        "Charge les données de démonstration (catalogue, partenaires, conventions, candidatures). "
        "Peut être relancée : elle ne crée jamais de doublon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            PRODUCTION_FLAG,
            action="store_true",
            help=_("Charger les données même avec DEBUG désactivé, sans aucun mot de passe utilisable."),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["i_know_this_is_production"]:
            raise CommandError(
                _(
                    "DEBUG est désactivé : cette base est peut-être celle de la production, où la "
                    "démonstration créerait un superutilisateur et des comptes au mot de passe public. "
                    "Rien n'a été enregistré. Pour charger les données quand même, sans aucun mot de "
                    "passe utilisable, relancez avec %(flag)s."
                )
                % {"flag": PRODUCTION_FLAG}
            )
        today = timezone.localdate()
        with transaction.atomic():
            seeder = DemoSeeder(today=today, with_passwords=settings.DEBUG)
            seeder.run()
        self.report(seeder)

    def report(self, seeder: DemoSeeder) -> None:
        write = self.stdout.write
        created, updated = sum(seeder.created.values()), sum(seeder.updated.values())
        if created or updated:
            write(
                self.style.SUCCESS(
                    _("Données de démonstration chargées : %(created)d créations, %(updated)d mises à jour.")
                    % {"created": created, "updated": updated}
                )
            )
        else:
            write(self.style.SUCCESS(_("Données de démonstration déjà à jour : rien n'a changé.")))
        drafts = sum(1 for p in seeder.programmes.values() if p.status != Programme.Status.PUBLISHED)
        counts = [
            (_("Domaines"), len(seeder.domains)),
            (_("Formations"), len(seeder.programmes)),
            (_("dont brouillons"), drafts),
            (_("Lieux"), len(seeder.sites)),
            (_("Sessions"), len(seeder.sessions)),
            (_("Partenaires"), len(seeder.partners)),
            (_("Conventions"), len(seeder.conventions)),
            (_("Appels à projets"), len(demo_data.CALLS)),
            (_("Candidats"), len(seeder.applicants)),
            (_("Candidatures"), len(demo_data.APPLICATIONS)),
        ]
        write("  " + " · ".join(f"{label} : {number}" for label, number in counts))
        by_status = Counter(item.steps[-1].status for item in demo_data.APPLICATIONS)
        write(
            "  "
            + " · ".join(
                f"{ApplicationStatus(status).label} : {by_status[status]}" for status in ApplicationStatus.values
            )
        )
        write("")
        if not seeder.with_passwords:
            self.report_without_passwords()
            return
        write(_("Comptes de démonstration (mot de passe fixé à la création du compte, inchangé ensuite) :"))
        sophie, fatima, faiza = (demo_data.APPLICANTS[key].email for key in ("sophie", "fatima", "faiza"))
        accounts = [
            (_("Administrateur"), ADMIN_EMAIL, ADMIN_PASSWORD),
            *((self.member_label(member), member.email, PARTNER_PASSWORD) for member in demo_data.MEMBERS),
            (_("Candidate, place proposée"), sophie, APPLICANT_PASSWORD),
            (_("Candidate inscrite"), fatima, APPLICANT_PASSWORD),
            (_("Formatrice"), followup_data.TRAINER["email"], TRAINER_PASSWORD),
            (_("Agente du rectorat inscrite"), faiza, APPLICANT_PASSWORD),
        ]
        for label, email, password in accounts:
            write(f"  {label:<42} {email:<46} {password}")
        write(
            _("  Tous les candidats (…@candidat.example) ont le mot de passe %(password)s.")
            % {"password": APPLICANT_PASSWORD}
        )
        write(self.style.WARNING(_("Ces comptes sont publics : ne chargez jamais ces données en production.")))

    def report_without_passwords(self) -> None:
        write = self.stdout.write
        write(_("Comptes de démonstration, sans mot de passe utilisable (DEBUG désactivé) :"))
        write(f"  {_('Administrateur'):<42} {ADMIN_EMAIL}")
        for member in demo_data.MEMBERS:
            write(f"  {self.member_label(member):<42} {member.email}")
        write(f"  {_('Formatrice'):<42} {followup_data.TRAINER['email']}")
        write(_("  Candidats : %(count)d comptes …@candidat.example.") % {"count": len(demo_data.APPLICANTS)})
        write(
            _("Pour ouvrir l'administration, choisissez un mot de passe : manage.py changepassword %(email)s")
            % {"email": ADMIN_EMAIL}
        )

    @staticmethod
    def member_label(member: demo_data.MemberData) -> str:
        role = PartnerMember.Role(member.role).label.split(" (")[0]  # "Référent (peut inscrire)" -> "Référent"
        return f"{role}, {demo_data.PARTNERS[member.partner]['name']}"
