"""A visitor's page is kept for everyone only when nothing in it is that visitor's own."""

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.urls import path

from core import fragments

pytestmark = pytest.mark.django_db

renders: list[str] = []


@fragments.visitor_page(fragments.PUBLIC, "test-plain")
def plain(request):
    renders.append("plain")
    return HttpResponse(f'<p>page</p><script nonce="{request._csp_nonce}"></script>')


@fragments.visitor_page(fragments.PUBLIC, "test-form")
def with_form(request):
    renders.append("form")
    return HttpResponse(f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')


@fragments.visitor_page(fragments.PUBLIC, "test-session")
def writes_session(request):
    renders.append("session")
    request.session["seen"] = True
    return HttpResponse("<p>noted</p>")


urlpatterns = [path("plain/", plain), path("form/", with_form), path("session/", writes_session)]


@pytest.fixture(autouse=True)
def _urls():
    renders.clear()
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_a_plain_page_is_rendered_once_and_each_copy_gets_its_own_nonce(client):
    first, second = client.get("/plain/"), client.get("/plain/")
    assert renders == ["plain"]
    assert first.content != second.content
    for response in (first, second):
        nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"' in response.content.decode()


def test_a_page_with_a_csrf_token_is_never_handed_to_another_visitor(client):
    client.get("/plain/")  # the visitor already has no cookie to set: the token alone must stop it
    first = client.get("/form/")
    second = client.get("/form/")
    assert renders == ["plain", "form", "form"]
    assert "csrftoken" in first.cookies
    assert first.content != second.content


def test_a_page_that_writes_the_session_is_not_kept(client):
    client.get("/session/")
    client.get("/session/")
    assert renders == ["session", "session"]


def test_a_signed_in_person_is_never_served_the_visitors_copy(client, django_user_model):
    client.get("/plain/")
    client.force_login(django_user_model.objects.create_user("amina", "amina@example.yt"))
    client.get("/plain/")
    assert renders == ["plain", "plain"]
