"""Accounts: sign-up with a confirmed email, login, logout, password change and reset, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"


def _link(body: str) -> str:
    match = re.search(r"https?://testserver(/\S+)", body)
    assert match, body
    return match.group(1)


def _sign_up(client, email="amina@example.yt"):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": "Ylang-ylang-97600", "password2": "Ylang-ylang-97600"}
    )


def test_sign_up_sends_a_french_confirmation_whose_link_activates_the_account(client):
    response = _sign_up(client)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="amina@example.yt")
    assert not EmailAddress.objects.get(user=user).verified

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.yt"]
    assert message.subject == "[CNAM Mayotte] Activez votre compte sur le portail des formations"
    assert "Pour confirmer qu'elle est bien la vôtre, ouvrez ce lien" in message.body
    assert "example.com" not in message.body

    link = _link(message.body)
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirmer mon adresse" in page.content.decode()
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.post(reverse("account_logout"))
    login = client.post(reverse("account_login"), {"login": "amina@example.yt", "password": "Ylang-ylang-97600"})
    assert login.status_code == 302
    assert login.url == reverse("enrollment:space")
    assert client.get(reverse("enrollment:space")).status_code == 200


def test_sign_up_page_is_french_and_dsfr(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "<h1>Créer un compte</h1>" in html
    assert 'class="fr-input' in html
    assert 'class="fr-label" for="id_email"' in html
    assert 'class="fr-btn' in html


def test_sign_up_refusals_are_shown_in_french_at_the_field(client):
    response = client.post(
        reverse("account_signup"), {"email": "pas-une-adresse", "password1": "123", "password2": "456"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "fr-input-group--error" in html
    assert 'aria-describedby="id_email-messages"' in html
    assert "Saisissez une adresse de courriel valide." in html
    assert not get_user_model().objects.exists()


def test_login_before_confirmation_leads_to_the_verification_page(client):
    _sign_up(client)
    mail.outbox.clear()
    other = client.__class__()
    response = other.post(reverse("account_login"), {"login": "amina@example.yt", "password": "Ylang-ylang-97600"})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    page = other.get(response.url).content.decode()
    assert "Confirmez votre adresse de courriel" in page
    assert other.get(reverse("enrollment:space")).status_code == 302


def test_login_page_and_wrong_password_message_are_french(client):
    UserFactory(email="said@example.yt")
    page = client.get(reverse("account_login")).content.decode()
    assert "<h1>Se connecter</h1>" in page
    assert reverse("account_reset_password") in page
    response = client.post(reverse("account_login"), {"login": "said@example.yt", "password": "faux-mot-de-passe"})
    assert response.status_code == 200
    assert "Adresse de courriel ou mot de passe incorrect : vérifiez-les et réessayez." in response.content.decode()


def test_logout_is_a_post_form(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    user = UserFactory(email="zaina@example.yt")
    client.force_login(user)
    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200
    assert "fr-input" in page.content.decode()
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Nouveau-mot-2027", "password2": "Nouveau-mot-2027"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Nouveau-mot-2027")


def test_password_reset_sends_a_french_email_whose_link_sets_a_new_password(client):
    user = UserFactory(email="fatima@example.yt")
    response = client.post(reverse("account_reset_password"), {"email": "fatima@example.yt"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[CNAM Mayotte] Réinitialisation de votre mot de passe"
    assert "Pour choisir un nouveau mot de passe" in message.body

    link = _link(message.body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"password1": "Mangrove-de-Dembeni-1", "password2": "Mangrove-de-Dembeni-1"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Mangrove-de-Dembeni-1")


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "inconnu@example.yt"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[CNAM Mayotte] Aucun compte à cette adresse"


def test_repeated_failed_logins_are_blocked_even_with_the_right_password(client):
    UserFactory(email="houdah@example.yt")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "houdah@example.yt", "password": "mauvais"})
        assert response.status_code == 200
    blocked = client.post(reverse("account_login"), {"login": "houdah@example.yt", "password": PASSWORD})
    assert blocked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in blocked.content.decode()
    # Another address from the same place is not blocked by this one's failures.
    UserFactory(email="other@example.yt")
    other = client.post(reverse("account_login"), {"login": "other@example.yt", "password": PASSWORD})
    assert other.status_code == 302
