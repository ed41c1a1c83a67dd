"""The same search tests run on PostgreSQL (indexed vector) and on SQLite (fallback)."""

import pytest
from django.db import connection
from django.urls import reverse

from programs.models import Programme
from programs.search import fallback_terms, search_programmes
from programs.selectors import programme_catalogue
from tests.factories import DomainFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("programs:catalogue")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


@pytest.fixture
def programmes():
    return {
        "electricite": ProgrammeFactory(
            plain=True, title="Électricité du bâtiment", content="Habilitation et câblage."
        ),
        "compta": ProgrammeFactory(plain=True, title="Comptabilité générale", content="Bilan, compte de résultat."),
        "paie": ProgrammeFactory(plain=True, title="Gestion de la paie", content="Bulletins et déclarations sociales."),
        "tuteur": ProgrammeFactory(
            plain=True, title="Devenir tuteur", objectives="Préparer la formation des apprentis."
        ),
    }


def found(client, query: str, **params) -> list[str]:
    response = client.get(CATALOGUE, {"q": query, **params})
    assert response.status_code == 200
    return sorted(p.title for p in response.context["programmes"])


@pytest.mark.parametrize("query", ["electricite", "Electricite", "ÉLECTRICITÉ", "électricité"])
def test_accents_and_case_are_ignored(client, programmes, query):
    assert found(client, query) == ["Électricité du bâtiment"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("comptabilites", ["Comptabilité générale"]),
        ("Comptabilités", ["Comptabilité générale"]),
        ("formations", ["Devenir tuteur"]),
        ("tuteurs", ["Devenir tuteur"]),
        ("bilans", ["Comptabilité générale"]),
    ],
)
def test_plurals_find_singulars(client, programmes, query, expected):
    assert found(client, query) == expected


def test_every_word_must_match(client, programmes):
    assert found(client, "gestion paie") == ["Gestion de la paie"]
    assert found(client, "gestion electricite") == []


def test_search_combines_with_filters(client, programmes):
    btp = DomainFactory(name="BTP", slug="btp")
    ProgrammeFactory(plain=True, title="Électricité industrielle", domain=btp)

    assert found(client, "electricite") == ["Électricité du bâtiment", "Électricité industrielle"]
    assert found(client, "electricite", domaine="btp") == ["Électricité industrielle"]


def test_no_match_shows_the_empty_state(client, programmes):
    response = client.get(CATALOGUE, {"q": "plomberie"})
    html = response.content.decode()
    assert "Aucune formation pour « plomberie »" in html
    assert "Aucune formation ne correspond à votre recherche" in html


def test_unpublished_programmes_are_never_found(client, programmes):
    ProgrammeFactory(plain=True, title="Électricité navale", status="brouillon")
    assert found(client, "electricite") == ["Électricité du bâtiment"]


def test_page_title_and_count_include_the_search_term(client, programmes):
    html = client.get(CATALOGUE, {"q": "paie"}).content.decode()
    assert "<title>« paie » — Catalogue des formations — CNAM Mayotte</title>" in html
    assert "1 formation pour « paie »" in html
    assert 'value="paie"' in html


def test_search_term_is_escaped(client, programmes):
    html = client.get(CATALOGUE, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_fallback_terms_strip_accents_case_and_plural():
    assert fallback_terms("Comptabilités GÉNÉRALES, travaux") == ["comptabilite", "generale", "travau"]
    assert fallback_terms("  ") == []


@on_postgresql
def test_title_matches_rank_before_text_matches(client):
    ProgrammeFactory(plain=True, title="Assistant comptable", content="Tenue de la paie des salariés.")
    ProgrammeFactory(plain=True, title="Gestion de la paie")

    response = client.get(CATALOGUE, {"q": "paie"})

    assert [p.title for p in response.context["programmes"]] == ["Gestion de la paie", "Assistant comptable"]


@on_postgresql
def test_search_condition_can_use_the_gin_index():
    ProgrammeFactory.create_batch(5)
    queryset = search_programmes(Programme.objects.all(), text="comptabilité")
    assert "@@" in str(programme_catalogue(q="comptabilité").query)
    with connection.cursor() as cursor:
        # On a tiny table the planner prefers a scan; forbid it to see whether the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "programme_search_gin" in plan, plan
