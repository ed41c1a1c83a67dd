"""Right everywhere in French: « courriel » for email, no « (e) » or « (s) », counts that agree."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    ConventionFactory,
    PartnerApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.helpers import messages_of, run_action, visible_text

pytestmark = pytest.mark.django_db

# A word for email other than « courriel » (an address such as a@b.yt is not a word).
EMAIL_WORD = re.compile(r"(?<![\w.@-])(e-?mails?|mails?)(?![\w@-])", re.IGNORECASE)
GENDER_OR_PLURAL_MARK = re.compile(r"\w\((e|s|es|e\)s)\)")


def assert_french_wording(response):
    text = visible_text(response)
    assert not EMAIL_WORD.search(text), (
        EMAIL_WORD.search(text)
        and text[max(0, EMAIL_WORD.search(text).start() - 80) : EMAIL_WORD.search(text).end() + 80]
    )
    assert not GENDER_OR_PLURAL_MARK.search(text), GENDER_OR_PLURAL_MARK.search(text)


@pytest.mark.parametrize(
    "name", ["account_signup", "account_login", "account_reset_password", "account_reset_password_done"]
)
def test_account_pages_say_courriel(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_french_wording(response)
    assert "courriel" in visible_text(response).lower()


def test_the_email_field_of_sign_up_and_login_is_labelled_adresse_de_courriel(client):
    for name in ("account_signup", "account_login", "account_reset_password"):
        assert "Adresse de courriel" in visible_text(client.get(reverse(name))), name


def test_a_wrong_password_is_refused_with_the_portal_wording(client):
    response = client.post(reverse("account_login"), {"login": "personne@example.yt", "password": "faux-mot-2026"})
    assert response.status_code == 200
    assert "Adresse de courriel ou mot de passe incorrect" in visible_text(response)
    assert_french_wording(response)


def test_signed_in_pages_about_the_account_say_courriel(client):
    user = ApplicantFactory()
    client.force_login(user)
    for url in [
        reverse("enrollment:profile"),
        reverse("enrollment:space"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("account_logout"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_french_wording(response)


def test_profile_page_shows_when_the_consent_was_given_not_a_version_hash(client):
    client.force_login(UserFactory())
    data = {
        "first_name": "Amina",
        "last_name": "Madi",
        "birth_date": "1998-03-14",
        "phone": "0639 12 34 56",
        "highest_level": 4,
        "situation": "salarie",
        "consent": "on",
    }
    assert client.post(reverse("enrollment:profile"), data).status_code == 302

    text = visible_text(client.get(reverse("enrollment:profile")))

    assert "Vous avez donné votre accord à ce texte le " in text
    assert "Version du texte" not in text
    assert not re.search(r"\b[0-9a-f]{12}\b", text)


def test_signing_out_says_so_without_gender_marks(client):
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"), follow=True)
    assert "Déconnexion effectuée" in " ".join(messages_of(response))
    assert_french_wording(response)


def test_partner_space_pages_say_courriel(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    PartnerApplicationFactory(allocation=allocation)
    client.force_login(referent.user)
    for url in [reverse("partners:dashboard"), reverse("partners:enroll"), reverse("partners:import")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_french_wording(response)


def test_account_emails_say_courriel(client):
    client.post(
        reverse("account_signup"),
        {"email": "amina@example.yt", "password1": "Ylang-ylang-97600", "password2": "Ylang-ylang-97600"},
    )
    client.post(reverse("account_reset_password"), {"email": "amina@example.yt"})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        for text in (message.subject, message.body):
            assert not EMAIL_WORD.search(text.replace("amina@example.yt", "")), text
            assert not GENDER_OR_PLURAL_MARK.search(text), text


def test_staff_invitation_email_has_no_gender_marks(client, django_capture_on_commit_callbacks):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partners:enroll"),
            {
                "first_name": "Zaïnaba",
                "last_name": "Ali",
                "email": "zainaba@mairie.yt",
                "allocation": str(allocation.pk),
            },
        )
    sent = [m for m in mail.outbox if m.to == ["zainaba@mairie.yt"]]
    assert any(m.subject.endswith("vous inscrit à une formation du CNAM Mayotte") for m in sent)
    for message in sent:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert not GENDER_OR_PLURAL_MARK.search(text), text
            assert not EMAIL_WORD.search(text.replace("zainaba@mairie.yt", "")), text


# --- Counts agree ------------------------------------------------------------------------------


def test_partner_dashboard_counts_agree_with_their_number(client):
    referent = PartnerMemberFactory()
    convention = ConventionFactory(partner=referent.partner)
    SeatAllocationFactory(convention=convention, seats=1)
    client.force_login(referent.user)

    one = visible_text(client.get(reverse("partners:dashboard")))
    assert "1 convention 1 place réservée 1 place restante" in one

    SeatAllocationFactory(partner=referent.partner, seats=2)
    two = visible_text(client.get(reverse("partners:dashboard")))
    assert "2 conventions 3 places réservées 3 places restantes" in two


def test_convention_page_counts_agree(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=2)
    PartnerApplicationFactory(allocation=allocation)
    client.force_login(referent.user)

    text = visible_text(client.get(reverse("partners:convention", args=[allocation.convention.reference])))

    assert "2 places réservées (1 occupée, 1 restante)" in text


def test_admin_action_reports_agree_with_the_number_done(client):
    staff = StaffUserFactory()
    client.force_login(staff)
    url = reverse("admin:enrollment_application_changelist")
    session = SessionFactory(capacity=5)
    first, second, third = (ApplicationFactory(session=session) for _ in range(3))

    one = messages_of(run_action(client, url, "accept", [first], follow=True))
    two = messages_of(run_action(client, url, "accept", [second, third], follow=True))

    assert any(m.startswith("Fait pour 1 élément : ") for m in one)
    assert any(m.startswith("Fait pour 2 éléments : ") for m in two)


def test_a_full_session_of_one_seat_is_singular():
    from django.core.exceptions import ValidationError

    from enrollment.services import partner_enrollment

    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=2, session__capacity=1)
    PartnerApplicationFactory(allocation=allocation)
    with pytest.raises(ValidationError) as refused:
        partner_enrollment.applications_enroll_partner_staff(
            enrollments=[
                partner_enrollment.StaffEnrollment(
                    convention=allocation.convention, session=allocation.session, user=ApplicantFactory()
                )
            ],
            by=referent.user,
        )
    assert f"La session {allocation.session.reference} est complète (1 place)." in refused.value.messages


# --- The catalogue of wording overrides --------------------------------------------------------


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (the simple entries this project writes: no plurals, no context)."""
    entries, current, field = {}, {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip() or line.startswith("#"):
            if "msgid" in current:
                entries[current["msgid"]] = current.get("msgstr", "")
                current = {}
            continue
        match = re.match(r'(msgid|msgstr) "(.*)"$', line)
        if match:
            field = match.group(1)
            current[field] = match.group(2)
        elif line.startswith('"'):
            current[field] += line[1:-1]
    return {_unescape(key): _unescape(value) for key, value in entries.items() if key}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_matches_its_source(domain):
    folder = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
    source = _po_entries(folder / f"{domain}.po")
    with (folder / f"{domain}.mo").open("rb") as handle:
        compiled = {key: value for key, value in gettext.GNUTranslations(handle)._catalog.items() if key}
    assert compiled == source, "run: DEBUG=1 .venv/bin/python manage.py compilemessages -l fr --ignore=.venv"
    # Placeholders (%(email)s, {email}) and mailto: links are code, not words.
    words = [re.sub(r"%\(\w+\)[sd]|\{\w+\}|mailto:", "", text) for text in source.values()]
    assert not [text for text in words if EMAIL_WORD.search(text) or GENDER_OR_PLURAL_MARK.search(text)]
