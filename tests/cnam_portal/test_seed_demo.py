import datetime
import io
import itertools
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from enrollment.forms.applications import ApplicantProfileForm
from enrollment.models import SEAT_STATUSES, ApplicantProfile, Application, ApplicationStatus, Situation
from enrollment.seats import allocations_with_usage, session_seat_count
from partners.models import Convention, Partner, PartnerMember, validate_siret
from programs.models import Programme, Session, Site
from programs.search import search_programmes
from tests.factories import ApplicationFactory, UserFactory

# One worker builds the demo once for the whole module (the ``demo_seeded`` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]

ADMIN_EMAIL = "admin@cnam-mayotte.fr"


def seed() -> str:
    """A run as in development (DEBUG on), like the ``demo_seeded`` fixture's."""
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(demo_seeded):
    return demo_seeded


def every_model():
    models = [get_user_model(), EmailAddress]
    for label in ("programs", "partners", "enrollment"):
        models += list(apps.get_app_config(label).get_models(include_auto_created=True))
    return models


def snapshot() -> dict:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in every_model()}


def test_catalogue_spans_domains_certifications_levels_and_modalities(seeded):
    programmes = Programme.objects.select_related("domain")
    assert 15 <= programmes.count() <= 20
    assert programmes.values("domain").distinct().count() >= 7
    assert set(programmes.values_list("certification_type", flat=True)) == set(Programme.CertificationType.values)
    assert set(programmes.values_list("modality", flat=True)) == set(Programme.Modality.values)
    entry_levels = list(programmes.values_list("entry_level", flat=True))
    assert entry_levels.count(4) > len(entry_levels) / 3
    assert {3, 5} <= set(entry_levels)
    assert programmes.filter(status=Programme.Status.DRAFT).count() >= 2
    assert all(p.published_at for p in programmes.filter(status=Programme.Status.PUBLISHED))
    for programme in programmes.filter(certification_type=Programme.CertificationType.RNCP_TITLE):
        assert re.fullmatch(r"RNCP\d{5}", programme.rncp_code)
        programme.full_clean()
    assert programmes.filter(vae_available=True).count() >= 3
    assert all(p.audiences.exists() for p in programmes)
    assert all(len(p.objectives) > 80 and len(p.content) > 80 for p in programmes)


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("electricite du batiment", "Électricité du bâtiment — installation et habilitation"),
        ("comptabilite", "Comptabilité et gestion"),
        ("securite", "Sécurité et santé au travail"),
    ],
)
def test_accented_titles_are_found_when_typed_without_accents(seeded, typed, title):
    found = search_programmes(Programme.objects.published(), text=typed)
    assert title in [programme.title for programme in found]


def test_rectorat_convention_is_signed_with_its_six_axes_articles_signatories_and_seats(seeded):
    rectorat = Partner.objects.get(kind=Partner.Kind.RECTORAT)
    validate_siret(rectorat.siret)
    convention = Convention.objects.get(partner=rectorat)
    assert re.fullmatch(r"CONV-\d{4}-001", convention.reference)
    assert convention.state == Convention.State.SIGNED
    assert convention.signed_on <= convention.start_date <= timezone.localdate()
    assert sorted(convention.axes.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]

    articles = list(convention.articles.order_by("number"))
    assert [a.number for a in articles] == list(range(1, len(articles) + 1))
    titles = " | ".join(a.title for a in articles)
    for expected in (
        "Objet",
        "Engagements du CNAM",
        "Engagements du rectorat",
        "Publics visés",
        "Modalités financières",
        "Durée",
        "Résiliation",
    ):
        assert expected in titles

    signatories = {s.party: s for s in convention.signatories.all()}
    assert "CNAM Mayotte" in signatories["cnam"].title
    assert "Recteur" in signatories["partenaire"].title

    seats = {a.session.reference: a.seats for a in convention.allocations.select_related("session")}
    management = Session.objects.get(programme__slug="management-et-pilotage-des-services-publics")
    btp = Session.objects.get(programme__is_work_study=True)
    assert seats[management.reference] == 5 and management.rhythm == Session.Rhythm.EVENING
    assert seats[btp.reference] == 4
    # The partners' service only reserves seats of sessions that run while the convention does.
    for allocation in convention.allocations.select_related("session"):
        assert convention.start_date <= allocation.session.start_date <= allocation.session.end_date
        assert allocation.session.end_date <= convention.end_date

    members = {m.role: m for m in PartnerMember.objects.filter(partner=rectorat).select_related("user")}
    assert set(members) == {PartnerMember.Role.REFERENT, PartnerMember.Role.VIEWER}
    assert all(m.user and m.user.email == m.email and m.is_active for m in members.values())


def test_tsingoni_session_is_reserved_and_hidden_from_the_public_catalogue(seeded):
    tsingoni = Partner.objects.get(name="Commune de Tsingoni")
    validate_siret(tsingoni.siret)
    session = Session.objects.get(reserved_for=tsingoni)
    assert session.site.commune == "tsingoni"
    assert "réorganisation des services" in session.programme.title
    assert session.state == Session.State.SCHEDULED and session.programme.status == Programme.Status.PUBLISHED
    assert not Session.objects.public().filter(pk=session.pk).exists()

    convention = Convention.objects.get(partner=tsingoni, state=Convention.State.SIGNED)
    assert "réorganisation des services" in convention.title
    assert convention.allocations.get().session == session
    enrolled = Application.objects.filter(session=session, status=ApplicationStatus.ENROLLED)
    assert enrolled.count() >= 3
    assert all(a.channel == Application.Channel.PARTNER and a.convention == convention for a in enrolled)
    assert all(a.applicant.applicant_profile.employer == tsingoni for a in enrolled)
    assert PartnerMember.objects.filter(partner=tsingoni, role=PartnerMember.Role.REFERENT).exists()


def test_bp_btp_is_a_work_study_programme_run_with_the_rectorat(seeded):
    programme = Programme.objects.get(is_work_study=True)
    assert programme.domain.slug == "batiment-travaux-publics"
    assert programme.certification_type == Programme.CertificationType.NATIONAL_DIPLOMA
    assert "rectorat" in programme.content and "schéma régional de formation" in programme.content
    assert programme.sessions.get().rhythm == Session.Rhythm.WORK_STUDY


def test_draft_convention_for_the_departement_and_calls_for_projects(seeded):
    departement = Partner.objects.get(kind=Partner.Kind.DEPARTEMENT)
    assert Convention.objects.get(partner=departement).state == Convention.State.DRAFT
    assert Partner.objects.filter(kind=Partner.Kind.ASSOCIATION).exists()
    for partner in Partner.objects.all():
        validate_siret(partner.siret)
    calls = apps.get_model("partners", "CallForProjects").objects.all()
    assert {"europe", "departement"} <= set(calls.values_list("funder", flat=True))
    assert all(call.partners.exists() and call.amount_requested for call in calls)


def test_sessions_cover_rhythms_communes_and_application_windows(seeded):
    now = timezone.now()
    today = timezone.localdate()
    sessions = Session.objects.select_related("site")
    assert set(sessions.values_list("rhythm", flat=True)) == set(Session.Rhythm.values)
    for rhythm in ("soir", "samedi", "distance"):
        assert sessions.public().open_for_applications().filter(rhythm=rhythm).exists(), rhythm
    communes = {s.site.commune for s in sessions if not s.site.is_remote}
    assert {"mamoudzou", "dzaoudzi", "koungou", "tsingoni", "chirongui", "sada"} <= communes
    remote = Site.objects.get(is_remote=True)
    assert remote.commune == "" and sessions.filter(site=remote).exists()
    assert sessions.get(reference="2027-COMPTA-MAM-01").schedule == "mardi et jeudi, 17 h 30 – 20 h 30"
    assert sessions.filter(rhythm="samedi", schedule="samedi, 8 h – 12 h").exists()

    closed = sessions.filter(state=Session.State.SCHEDULED, applications_close_at__lt=now, start_date__gt=today)
    assert closed.exists()
    assert sessions.filter(state=Session.State.CANCELLED).exists()
    assert sessions.filter(end_date__lt=today).exists()
    assert all(s.hours and s.capacity and s.reference.count("-") == 3 for s in sessions)

    full = [
        s
        for s in sessions.public().upcoming()
        if (c := session_seat_count(session_id=s.pk)).free == 0 and c.reserved == 0
    ]
    assert full, "one public session should be full"
    assert Application.objects.filter(session__in=full).waitlist().count() >= 2


def test_applicants_cover_every_status_with_a_consistent_history(seeded):
    applications = Application.objects.select_related("applicant__applicant_profile", "convention", "session")
    assert set(applications.values_list("status", flat=True)) == set(ApplicationStatus.values)
    now = timezone.now()
    for application in applications:
        history = list(application.history.order_by("changed_at", "pk"))
        assert history[0].from_status == "" and history[0].to_status == ApplicationStatus.SUBMITTED
        assert history[0].changed_at == application.submitted_at
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert after.changed_at >= before.changed_at
        assert history[-1].to_status == application.status
        assert history[-1].changed_at <= now
        profile = application.applicant.applicant_profile
        assert profile.consent_at and profile.consent_at <= application.submitted_at and profile.is_complete
        assert EmailAddress.objects.filter(user=application.applicant, verified=True, primary=True).exists()
        if application.status == ApplicationStatus.OFFERED:
            assert application.offer_expires_at > now
        if application.status == ApplicationStatus.REJECTED:
            assert application.rejection_reason and history[-1].reason == application.rejection_reason
        if application.channel == Application.Channel.PARTNER:
            assert PartnerMember.objects.filter(
                partner=application.convention.partner, user=application.enrolled_by, role="referent"
            ).exists()
        application.full_clean()

    profiles = apps.get_model("enrollment", "ApplicantProfile").objects.all()
    assert all(p.france_travail_id for p in profiles.filter(situation=Situation.JOB_SEEKER))
    assert profiles.filter(situation=Situation.YOUNG_NO_DIPLOMA).exists()
    assert profiles.filter(situation=Situation.EMPLOYEE).exists()
    assert profiles.filter(situation=Situation.PUBLIC_AGENT, employer__kind="rectorat").exists()
    derogations = applications.filter(
        entry_route="derogation", applicant__applicant_profile__situation=Situation.YOUNG_NO_DIPLOMA
    )
    assert derogations.exists() and all(a.entry_justification for a in derogations)
    assert applications.filter(entry_route="vae").exists()
    assert applications.filter(
        channel="partenaire",
        status="inscrite",
        convention__partner__kind="rectorat",
        applicant__applicant_profile__situation=Situation.PUBLIC_AGENT,
    ).exists()

    waiting = list(applications.filter(status=ApplicationStatus.WAITLISTED).waitlist())
    assert len(waiting) >= 3
    assert len({a.waitlisted_at for a in waiting}) == len(waiting)


def test_seat_rules_hold_for_every_session(seeded):
    for session in Session.objects.all():
        count = session_seat_count(session_id=session.pk)
        holders = Application.objects.filter(session=session, status__in=SEAT_STATUSES)
        assert holders.count() <= session.capacity, session.reference
        # Public applicants never eat the seats reserved for a convention in force.
        assert count.taken + count.reserved <= count.capacity, session.reference
        for allocation in allocations_with_usage(session.allocations.all()):
            assert allocation.seats_used <= allocation.seats
        if session.state == Session.State.CANCELLED:
            assert not holders.exists()


def test_admin_logs_in_with_the_printed_password(seeded, client):
    printed = re.search(rf"{re.escape(ADMIN_EMAIL)}\s+(\S+)", seeded)
    assert printed, seeded
    admin = get_user_model().objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff and admin.is_active

    response = client.post(reverse("account_login"), {"login": ADMIN_EMAIL, "password": printed.group(1)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_partner_and_applicant_accounts_log_in_with_their_printed_password(seeded, client):
    for email in ("referente.rectorat@ac-mayotte.example", "sophie.martin@candidat.example"):
        password = re.search(rf"{re.escape(email)}\s+(\S+)", seeded).group(1)
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, email
        client.logout()


def test_second_run_changes_no_row(seeded):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "rien n'a changé" in output


def test_run_on_a_later_day_moves_dates_without_duplicating(seeded, monkeypatch):
    counts = {label: len(rows) for label, rows in snapshot().items()}
    reference = "2027-COMPTA-MAM-01"
    start = Session.objects.get(reference=reference).start_date
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)

    seed()

    assert {label: len(rows) for label, rows in snapshot().items()} == counts
    assert Session.objects.get(reference=reference).start_date == start + datetime.timedelta(days=1)


def test_demo_profiles_carry_the_consent_text_the_profile_form_records(seeded, client):
    profiles = ApplicantProfile.objects.select_related("user")
    sample = profiles.first()
    form = ApplicantProfileForm(
        {**model_to_dict(sample, fields=ApplicantProfileForm._meta.fields), "consent": "on"}, instance=sample
    )
    assert form.is_valid(), form.errors
    recorded = form.save(commit=False).consent_text
    assert set(profiles.values_list("consent_text", flat=True)) == {recorded}
    # So a demo applicant opening their profile sees their consent given, not a new wording to accept.
    client.force_login(sample.user)
    html = client.get(reverse("enrollment:profile")).content.decode()
    assert "Vous avez donné votre accord à ce texte" in html and "Ce texte a changé" not in html


def test_seeding_sends_nothing(seeded):
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_seat_rule_violation_fails_loudly_and_rolls_everything_back(seeded):
    full = Session.objects.get(reference="2027-SECU-SAD-01")
    ApplicationFactory(session=full, applicant=UserFactory(), status=ApplicationStatus.ACCEPTED)
    Programme.objects.filter(slug="comptabilite-et-gestion").update(title="Titre modifié à la main")
    before = snapshot()

    with pytest.raises(CommandError, match="2027-SECU-SAD-01"):
        seed()

    assert snapshot() == before


def test_rerun_restores_the_demo_after_someone_tried_it(seeded):
    from enrollment.services.waitlist import offer_accept

    offered = Application.objects.get(status=ApplicationStatus.OFFERED)
    offer_accept(application=offered, by=offered.applicant)
    assert Notification.objects.exists()

    output = seed()

    offered.refresh_from_db()
    assert offered.status == ApplicationStatus.OFFERED
    assert list(offered.history.values_list("to_status", flat=True)) == ["recue", "liste_attente", "place_proposee"]
    assert "mises à jour" in output
