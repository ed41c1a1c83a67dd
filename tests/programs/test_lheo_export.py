"""/formations/lheo.xml and ``manage.py export_lheo``: kept until the catalogue changes, 304 when unchanged."""

import datetime
import gzip
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from centre.services import centre_ensure
from programs import exports
from tests.factories import ProgrammeFactory, SessionFactory
from tests.programs.lheo_helpers import complete_training_body, find, parse

pytestmark = pytest.mark.django_db

URL = "/formations/lheo.xml"


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.LHEO_EXPORT_DIR = tmp_path / "exports"
    return settings.LHEO_EXPORT_DIR


@pytest.fixture
def session():
    complete_training_body()
    return SessionFactory(programme=ProgrammeFactory(title="Gestion de la paie", slug="gestion-paie"))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_address_is_before_the_programme_pages():
    assert reverse("programs:lheo") == URL


def test_the_catalogue_is_served_as_lheo_xml(client, session):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 42
    assert response["Last-Modified"]
    root = parse(body(response))
    assert find(root, "l:offres/l:formation/@numero") == ["gestion-paie"]


def test_a_second_request_streams_the_kept_document_without_a_query(client, session, export_dir):
    first = client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL)
    assert len(queries) == 0
    assert second["ETag"] == first["ETag"]
    assert body(second) == body(first)
    assert len(list(export_dir.glob("lheo-*.xml"))) == 1


def test_a_conditional_request_for_the_document_held_gets_304(client, session):
    first = client.get(URL)

    by_etag = client.get(URL, headers={"if-none-match": first["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag["ETag"] == first["ETag"] and not by_etag.content
    by_date = client.get(URL, headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304
    other = client.get(URL, headers={"if-none-match": '"0000"'})
    assert other.status_code == 200
    assert client.head(URL).status_code == 200


def test_a_client_accepting_gzip_gets_the_copy_compressed_once(client, session, export_dir):
    plain = client.get(URL)
    compressed = client.get(URL, headers={"accept-encoding": "gzip, deflate"})

    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert gzip.decompress(body(compressed)) == body(plain)
    assert compressed["ETag"] == "W/" + plain["ETag"]
    assert {path.suffix for path in export_dir.iterdir()} == {".xml", ".gz"}
    again = client.get(URL, headers={"accept-encoding": "gzip", "if-none-match": compressed["ETag"]})
    assert again.status_code == 304


def test_a_catalogue_edit_changes_the_etag_and_the_body(client, session, django_capture_on_commit_callbacks):
    first = client.get(URL)
    etag = first["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        session.programme.title = "Gestion de la paie et des ressources humaines"
        session.programme.save()
    changed = client.get(URL, headers={"if-none-match": etag})

    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"Gestion de la paie et des ressources humaines" in body(changed)
    assert client.get(URL, headers={"if-none-match": changed["ETag"]}).status_code == 304


def test_a_new_session_appears_and_a_cancelled_one_leaves(client, session, django_capture_on_commit_callbacks):
    client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        added = SessionFactory(programme=session.programme)
    assert added.reference.encode() in body(client.get(URL))

    with django_capture_on_commit_callbacks(execute=True):
        added.state = added.State.CANCELLED
        added.save()
    assert added.reference.encode() not in body(client.get(URL))


def test_a_bump_that_changes_nothing_keeps_the_etag_and_the_date(client, session):
    from core import fragments

    first = client.get(URL)
    fragments.bump_now(fragments.PUBLIC)
    again = client.get(URL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again["Last-Modified"] == first["Last-Modified"]


def test_last_modified_is_the_latest_edit(client, session):
    session.refresh_from_db()
    latest = max(session.updated_at, session.programme.updated_at, centre_ensure().updated_at)
    assert client.get(URL)["Last-Modified"] == http_date(int(latest.timestamp()))


def test_time_alone_renews_the_document_when_an_application_window_opens(session):
    later = SessionFactory(
        programme=session.programme,
        applications_open_at=timezone.now() + datetime.timedelta(hours=2),
        applications_close_at=timezone.now() + datetime.timedelta(days=20),
    )
    now = timezone.now()
    before = exports.lheo_document(now=now)
    assert before.valid_until == later.applications_open_at.timestamp()
    assert exports.lheo_document(now=now + datetime.timedelta(hours=1)).etag == before.etag

    after = exports.lheo_document(now=now + datetime.timedelta(hours=3))
    assert after.etag != before.etag
    states = find(parse(after.path.read_bytes()), f"//l:session[@numero='{later.reference}']/l:etat-recrutement")
    assert [state.text for state in states] == ["1"]


def test_without_a_siret_the_address_answers_503_in_french(client, session):
    body_record = centre_ensure()
    body_record.siret = ""
    body_record.save()

    response = client.get(URL)

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Retry-After"] == "3600"
    text = response.content.decode()
    assert text == (
        "L'export LHEO est impossible : renseignez dans l'administration (« Centre et pages légales », "
        "partie « Organisme de formation ») ces informations de l'organisme de formation : SIRET."
    )


def test_the_command_writes_the_document_to_a_file(session, tmp_path):
    target = tmp_path / "catalogue.xml"
    out = io.StringIO()
    call_command("export_lheo", output=str(target), stdout=out)

    root = parse(target.read_bytes())
    assert find(root, "l:offres/l:formation/@numero") == ["gestion-paie"]
    assert "1 formation(s), 1 action(s), 1 session(s) exportées." in out.getvalue()
    assert not list(tmp_path.glob(".catalogue.xml-*"))


def test_the_command_writes_to_standard_output(session, capsysbinary):
    call_command("export_lheo", stderr=io.StringIO())
    root = parse(capsysbinary.readouterr().out)
    assert find(root, "l:offres/l:formation/@numero") == ["gestion-paie"]


def test_the_command_refuses_without_the_identifiers_lheo_requires(session, tmp_path):
    body_record = centre_ensure()
    body_record.activity_declaration_number = ""
    body_record.save()
    target = tmp_path / "catalogue.xml"
    target.write_bytes(b"previous export")

    with pytest.raises(
        CommandError, match=r"de l'organisme de formation : numéro de déclaration d'activité \(NDA\)\.$"
    ):
        call_command("export_lheo", output=str(target))
    assert target.read_bytes() == b"previous export"


def test_the_command_refuses_a_missing_folder(session, tmp_path):
    with pytest.raises(CommandError, match=r"Le dossier .* n'existe pas"):
        call_command("export_lheo", output=str(tmp_path / "absent" / "catalogue.xml"))


def test_while_a_new_document_is_written_other_requests_get_the_previous_one(
    client, session, django_capture_on_commit_callbacks
):
    from core import fragments

    first = client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        session.programme.title = "Paie et gestion sociale"
        session.programme.save()
    # Another process holds the writing of the new version.
    assert cache.add(f"lheo:writing:{fragments.version(fragments.PUBLIC)}", True, 60)

    meanwhile = client.get(URL)
    assert meanwhile.status_code == 200
    assert meanwhile["ETag"] == first["ETag"]

    cache.clear()
    assert b"Paie et gestion sociale" in body(client.get(URL))


def test_the_command_says_when_there_is_nothing_to_publish(tmp_path):
    complete_training_body()
    SessionFactory(reserved=True)
    out = io.StringIO()
    call_command("export_lheo", output=str(tmp_path / "catalogue.xml"), stdout=out)
    assert "Aucune formation publiée n'a de session publique à venir" in out.getvalue()
    assert find(parse((tmp_path / "catalogue.xml").read_bytes()), "l:offres/l:formation") == []
