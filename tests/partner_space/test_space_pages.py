"""The partner space as a phone shows it: labelled actions, tables that scroll in their own
region, and an import preview whose button says what its default choice does."""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Application
from tests.factories import PartnerApplicationFactory, PartnerMemberFactory, SeatAllocationFactory
from tests.helpers import csv_bytes

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("partners:dashboard")
IMPORT = reverse("partners:import")
PREVIEW = reverse("partners:import_preview")


class _Page(HTMLParser):
    """What a person reads in a page's ``<main>``: form fields, buttons, their groups, tables."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.buttons: list[dict] = []
        self.groups: list[dict] = []
        self.tables: list[dict] = []
        self._form = None
        self._button = None
        self._group = None
        self._container = None
        self._caption = None
        self._in_main = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        if tag == "form":
            self._form = {"action": attrs.get("action"), "fields": {}, "radios": {}}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            name = attrs.get("name")
            if attrs.get("type") == "radio":
                self._form["radios"].setdefault(name, [])
                self._form["radios"][name].append(attrs.get("value"))
                if "checked" in attrs:
                    self._form["fields"][name] = attrs.get("value")
            elif name:
                self._form["fields"][name] = attrs.get("value", "")
        elif tag in ("a", "button") and "fr-btn" in classes:
            self._button = {"classes": classes, "text": "", "group": self._group, "attrs": attrs}
            self.buttons.append(self._button)
        elif tag == "ul" and "fr-btns-group" in classes:
            self._group = {"classes": classes}
            self.groups.append(self._group)
        elif tag == "div" and "fr-table__container" in classes:
            self._container = {"attrs": attrs, "caption": None, "caption_id": None}
            self.tables.append(self._container)
        elif tag == "caption" and self._container is not None:
            self._caption = ""
            self._container["caption_id"] = attrs.get("id")

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        if tag == "form":
            self._form = None
        elif tag in ("a", "button") and self._button is not None:
            self._button["text"] = " ".join(self._button["text"].split())
            self._button = None
        elif tag == "ul" and self._group is not None:
            self._group = None
        elif tag == "caption" and self._caption is not None:
            self._container["caption"] = " ".join(self._caption.split())
            self._caption = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data
        if self._caption is not None:
            self._caption += data


def _page(response) -> _Page:
    assert response.status_code in (200, 400, 409), response.status_code
    return _Page(response.content.decode())


def _preview_form(page: _Page) -> dict:
    return next(form for form in page.forms if form["action"] == PREVIEW)


def _upload(client, rows):
    content = csv_bytes(rows)
    response = client.post(IMPORT, {"file": SimpleUploadedFile("agents.csv", content, content_type="text/csv")})
    assert response["Location"] == PREVIEW


@pytest.fixture
def referent(client):
    member = PartnerMemberFactory()
    allocation = SeatAllocationFactory(
        partner=member.partner, seats=5, session__capacity=10, session__reference="S-2027-TSG"
    )
    PartnerApplicationFactory(allocation=allocation, email="deja.inscrite@tsingoni.yt")
    client.force_login(member.user)
    return member


MIXED_FILE = [
    ["Awa", "Madi", "awa@tsingoni.yt", "Agente d'accueil", "S-2027-TSG"],
    ["Nassur", "Ali", "nassur@tsingoni.yt", "", "S-2027-TSG"],
    ["", "Soilihi", "soilihi@tsingoni.yt", "", "S-2027-TSG"],
]


# --- Actions show their labels ----------------------------------------------------------------


def test_every_button_with_an_icon_keeps_its_label(client, referent):
    """An icon button inside a DSFR group is drawn icon-only unless the group says where icons go."""
    pages = [DASHBOARD, reverse("partners:enroll"), IMPORT]
    _upload(client, MIXED_FILE)
    pages.append(PREVIEW)
    convention = referent.partner.conventions.get()
    pages.append(reverse("partners:convention", args=[convention.reference]))
    seen = set()
    for url in pages:
        for button in _page(client.get(url)).buttons:
            seen.add(button["text"])
            assert button["text"], f"{url}: a button without a label"
            assert "fr-btn--icon-only" not in button["classes"], f"{url}: {button['text']}"
            has_icon = any(name.startswith("fr-icon-") for name in button["classes"])
            if has_icon and button["group"] is not None:
                assert {"fr-btns-group--icon-left", "fr-btns-group--icon-right"} & set(button["group"]["classes"]), (
                    f"{url}: « {button['text']} » would be drawn as an icon only"
                )
    assert {"Inscrire un agent", "Importer une liste d'agents"} <= seen


def test_lecteur_sees_no_enroll_action(client):
    lecteur = PartnerMemberFactory(viewer=True)
    SeatAllocationFactory(partner=lecteur.partner)
    client.force_login(lecteur.user)
    labels = {button["text"] for button in _page(client.get(DASHBOARD)).buttons}
    assert not {"Inscrire un agent", "Importer une liste d'agents"} & labels


# --- Tables scroll inside a named, focusable region -------------------------------------------


def test_every_table_scrolls_in_a_focusable_region_named_by_its_caption(client, referent):
    convention = referent.partner.conventions.get()
    _upload(client, MIXED_FILE)
    expected = {
        DASHBOARD: {"Conventions de votre organisation", "Places réservées par session", "Agents inscrits"},
        reverse("partners:convention", args=[convention.reference]): {
            "Places réservées par session",
            "Agents inscrits",
        },
        PREVIEW: {"Lignes du fichier"},
    }
    for url, captions in expected.items():
        response = client.get(url)
        html = response.content.decode()
        tables = _page(response).tables
        assert html.count("<table") == len(tables), f"{url}: a table outside the DSFR scrolling structure"
        assert {table["caption"] for table in tables} == captions, url
        for table in tables:
            attrs = table["attrs"]
            assert attrs.get("tabindex") == "0", f"{url}: {table['caption']} cannot be scrolled with the keyboard"
            assert attrs.get("role") == "region"
            assert table["caption_id"] and attrs.get("aria-labelledby") == table["caption_id"], table["caption"]
            assert html.count(f'id="{table["caption_id"]}"') == 1


# --- The import preview's default choice is what its button announces -------------------------


def test_pressing_the_button_without_changing_anything_does_what_it_says(client, referent):
    _upload(client, MIXED_FILE)
    form = _preview_form(_page(client.get(PREVIEW)))
    button = next(b for b in _page(client.get(PREVIEW)).buttons if b["attrs"].get("type") == "submit")
    assert "2 agents" in button["text"], button["text"]

    response = client.post(PREVIEW, form["fields"], follow=True)

    assert response.redirect_chain and response.redirect_chain[-1][0] == DASHBOARD
    enrolled = Application.objects.filter(
        convention__partner=referent.partner, applicant__email__endswith="@tsingoni.yt"
    )
    assert set(enrolled.values_list("applicant__email", flat=True)) == {
        "deja.inscrite@tsingoni.yt",
        "awa@tsingoni.yt",
        "nassur@tsingoni.yt",
    }
    assert "2 agents inscrits" in response.content.decode()


def test_the_button_follows_the_mode_chosen(client, referent):
    _upload(client, MIXED_FILE)
    page = _page(client.get(PREVIEW))
    form = _preview_form(page)
    assert form["fields"]["mode"] == "lignes_valides"
    assert set(form["radios"]["mode"]) == {"lignes_valides", "tout_ou_rien"}

    response = client.post(PREVIEW, {**form["fields"], "mode": "tout_ou_rien"})

    assert response.status_code == 409
    assert Application.objects.filter(applicant__email="awa@tsingoni.yt").count() == 0
    page = _page(response)
    assert _preview_form(page)["fields"]["mode"] == "tout_ou_rien"
    submit = next(b for b in page.buttons if b["attrs"].get("type") == "submit")
    assert "ou personne" in submit["text"], submit["text"]
    # The page's script switches the label as the radio changes; both labels come from the server.
    assert submit["attrs"]["data-label-tout_ou_rien"] == submit["text"]
    assert "2 agents" in submit["attrs"]["data-label-lignes_valides"]
    nonce = re.search(r'<script nonce="([^"]+)">\s*// The confirm button', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]  # the browser runs it


def test_a_clean_file_confirms_all_or_nothing_and_says_so(client, referent):
    _upload(client, MIXED_FILE[:2])
    page = _page(client.get(PREVIEW))
    form = _preview_form(page)
    assert "mode" not in form["radios"]
    assert form["fields"]["mode"] == "tout_ou_rien"
    submit = next(b for b in page.buttons if b["attrs"].get("type") == "submit")
    assert submit["text"] == "Confirmer l'inscription (2 agents)"

    client.post(PREVIEW, form["fields"])

    assert Application.objects.filter(applicant__email__in=["awa@tsingoni.yt", "nassur@tsingoni.yt"]).count() == 2


def test_an_invalid_mode_is_refused_in_french_and_rows_are_still_checked(client, referent):
    _upload(client, MIXED_FILE)
    token = client.session["partners:import"]["token"]

    response = client.post(PREVIEW, {"token": token, "mode": "tout"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez ce que deviennent les lignes en erreur." in html
    assert "1 ligne en erreur" in html  # the preview still shows what is wrong in the file
    assert Application.objects.filter(applicant__email="awa@tsingoni.yt").count() == 0
