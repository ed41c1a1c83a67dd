"""Pages go compressed to a browser that accepts gzip, padded against BREACH, and whole."""

import gzip

import pytest

from tests.factories import ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    for index in range(12):
        SessionFactory(programme=ProgrammeFactory(title=f"Gestion de la paie, parcours {index}"))


def test_a_page_goes_compressed_and_comes_back_whole(client, catalogue):
    plain = client.get("/formations/").content
    response = client.get("/formations/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content) < len(plain) / 3
    # The nonce differs per response; the rest of the page is the same.
    assert gzip.decompress(response.content).split(b"nonce=")[0] == plain.split(b"nonce=")[0]


def test_each_compressed_answer_is_padded_by_a_random_length(client, catalogue):
    lengths = {len(client.get("/formations/", HTTP_ACCEPT_ENCODING="gzip").content) for _ in range(8)}
    assert len(lengths) > 1


def test_a_browser_that_asks_for_no_gzip_gets_the_page_plain(client, catalogue):
    response = client.get("/formations/", HTTP_ACCEPT_ENCODING="identity")
    assert not response.has_header("Content-Encoding")
    assert b"Gestion de la paie" in response.content
