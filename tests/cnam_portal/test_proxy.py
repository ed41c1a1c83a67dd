"""Behind the reverse proxy: rate limits count people, not the proxy, and the admin login is throttled.

Every request reaches the portal from the proxy's address (``REMOTE_ADDR``); the proxy appends
the address it was reached from to ``X-Forwarded-For``. The tests send what the proxy, or a
client reaching the server directly, would send.
"""

import itertools
import time
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import StaffUserFactory, UserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
STRANGER = "203.0.113.50"  # not a proxy: a client reaching the server directly
PASSWORD = "motdepasse-solide-2026"  # tests/factories.py
behind_the_proxy = override_settings(TRUSTED_PROXIES=[PROXY])
people = (f"198.51.100.{n}" for n in itertools.count(1))


def via_proxy(person: str, forged: str = "") -> dict:
    """What the proxy sends for ``person``: their address appended to what they sent (``forged``)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {person}" if forged else person}


def sign_up(client, n: int, **meta):
    password = "Ylang-ylang-97600"
    data = {"email": f"personne{n}@example.yt", "password1": password, "password2": password}
    return client.post(reverse("account_signup"), data, **meta)


def log_in(client, email: str, password: str, **meta):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **meta)


# --- The sign-up and sign-in limits count each person behind the proxy ------------------------


@behind_the_proxy
def test_twenty_one_people_behind_the_proxy_can_all_sign_up(client):
    # ACCOUNT_RATE_LIMITS["signup"] is 20 an hour per address: the 21st person is not the 21st try.
    for n in range(21):
        response = sign_up(client, n, **via_proxy(next(people)))

        assert response.status_code == 302, (n, response.status_code)


@behind_the_proxy
def test_strangers_failing_to_sign_in_do_not_lock_out_the_next_person(client):
    for n in range(11):
        log_in(client, f"inconnu{n}@example.yt", "pas-le-bon-1", **via_proxy(next(people)))
    user = UserFactory()

    response = log_in(client, user.email, PASSWORD, **via_proxy(next(people)))

    assert response.status_code == 302
    assert response.wsgi_request.user == user


@behind_the_proxy
def test_one_person_behind_the_proxy_still_meets_the_limit_whatever_they_forge(client):
    person = next(people)
    for n in range(20):
        assert sign_up(client, n, **via_proxy(person, forged=f"192.0.2.{n}")).status_code == 302

    refused = sign_up(client, 20, **via_proxy(person, forged="192.0.2.200"))
    someone_else = sign_up(client, 21, **via_proxy(next(people)))

    # The right-most entry, which the proxy appended, is the one counted; not the forged left-most.
    assert refused.status_code == 429
    assert "Trop de tentatives" in visible_text(refused)
    assert someone_else.status_code == 302


@behind_the_proxy
def test_a_client_reaching_the_server_directly_cannot_forge_its_address(client):
    # Not from the proxy: its X-Forwarded-For is its own invention and counts for nothing.
    for n in range(20):
        meta = {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        assert sign_up(client, n, **meta).status_code == 302

    response = sign_up(client, 20, REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR="192.0.2.222")

    assert response.status_code == 429
    assert "Trop de tentatives" in visible_text(response)


@behind_the_proxy
def test_failed_sign_ins_of_a_direct_client_forging_addresses_still_lock_it_out(client):
    user = UserFactory()
    for n in range(10):
        meta = {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        log_in(client, f"inconnu{n}@example.yt", "pas-le-bon-1", **meta)

    response = log_in(client, user.email, PASSWORD, REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Trop de tentatives de connexion échouées" in visible_text(response)


# --- The admin login is throttled like the portal's -------------------------------------------


def admin_log_in(client, username: str, password: str):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def test_guessing_a_staff_password_on_the_admin_login_is_stopped(client):
    staff = StaffUserFactory()
    answers = [admin_log_in(client, staff.username, f"essai-{n}").status_code for n in range(30)]

    # ACCOUNT_RATE_LIMITS["login_failed"]: five failures for one account in five minutes.
    assert answers[:5] == [200] * 5
    assert set(answers[5:]) == {429}
    refused = admin_log_in(client, staff.username, PASSWORD)
    assert refused.status_code == 429
    assert not refused.wsgi_request.user.is_authenticated
    text = visible_text(refused)
    assert "Trop de tentatives" in text
    assert "Vous pourrez réessayer dans 5 minutes au plus." in text
    assert refused["Retry-After"] == "300"
    assert "no-store" in refused["Cache-Control"]

    later = time.time() + 301
    with mock.patch("time.time", return_value=later):
        response = admin_log_in(client, staff.username, PASSWORD)

    assert response.status_code == 302
    assert response.wsgi_request.user == staff


def test_the_admin_login_counts_failures_per_address_too(client):
    staff = StaffUserFactory()
    # Ten accounts tried once each from one address: 10/m/ip, then even the right password waits.
    for n in range(10):
        assert admin_log_in(client, f"inconnu{n}", "pas-le-bon-1").status_code == 200

    response = admin_log_in(client, staff.username, PASSWORD)

    assert response.status_code == 429
    assert "Trop de tentatives" in visible_text(response)


def test_a_successful_admin_login_gives_its_try_back(client):
    staff = StaffUserFactory()
    for _attempt in range(4):
        admin_log_in(client, staff.username, "pas-le-bon-1")
    for _attempt in range(3):
        assert admin_log_in(client, staff.username, PASSWORD).status_code == 302
        client.logout()

    # Four failures and three successes: one failure still allowed before the pause.
    assert admin_log_in(client, staff.username, "pas-le-bon-1").status_code == 200
    assert admin_log_in(client, staff.username, "pas-le-bon-1").status_code == 429


def test_failures_on_one_sign_in_form_count_on_the_other(client):
    staff = StaffUserFactory()
    for _attempt in range(5):
        log_in(client, staff.email, "pas-le-bon-1")

    response = admin_log_in(client, staff.email, PASSWORD)

    assert response.status_code == 429


@behind_the_proxy
def test_the_proxy_is_recognised_on_a_server_listening_on_ipv6(client):
    for n in range(21):
        response = sign_up(client, n, REMOTE_ADDR=f"::ffff:{PROXY}", HTTP_X_FORWARDED_FOR=next(people))

        assert response.status_code == 302
