"""Staff-written texts become paragraphs, lists and links, and never markup; phone numbers read as dialled."""

import pytest
from django.core.exceptions import ValidationError

from centre.models import map_search_url
from centre.templatetags.centre_tags import plain_text
from core.phones import national, to_e164


def test_blank_lines_separate_paragraphs_and_single_lines_break():
    html = plain_text("Premier paragraphe,\nsuite.\n\n\nSecond.")
    assert html == "<p>Premier paragraphe,<br>suite.</p>\n<p>Second.</p>"


def test_lines_starting_with_a_dash_make_a_list_after_their_introduction():
    text = "Vous pouvez :\n- accéder ;\n– rectifier ;\n• effacer.\nPuis nous écrire."
    assert plain_text(text) == (
        "<p>Vous pouvez :</p><ul><li>accéder ;</li><li>rectifier ;</li><li>effacer.</li></ul><p>Puis nous écrire.</p>"
    )


def test_web_and_email_addresses_become_links():
    html = plain_text("En ligne : https://www.cnil.fr/fr/plaintes ou dpo@cnam-mayotte.fr.")
    assert '<a href="https://www.cnil.fr/fr/plaintes">https://www.cnil.fr/fr/plaintes</a>' in html
    assert '<a href="mailto:dpo@cnam-mayotte.fr">dpo@cnam-mayotte.fr</a>.' in html


def test_markup_is_escaped_and_windows_line_ends_are_understood():
    html = plain_text('<a href="javascript:alert(1)">clic</a>\r\n\r\n- <b>gras</b> & "guillemets"')
    assert html == (
        "<p>&lt;a href=&quot;javascript:alert(1)&quot;&gt;clic&lt;/a&gt;</p>\n"
        "<ul><li>&lt;b&gt;gras&lt;/b&gt; &amp; &quot;guillemets&quot;</li></ul>"
    )


def test_empty_text_renders_nothing():
    assert plain_text("") == ""
    assert plain_text("  \n\n ") == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("02 69 61 20 20", "+262269612020"),
        ("0639.40.11.22", "+262639401122"),
        ("+262 269 61 20 20", "+262269612020"),
        ("00262269612020", "+262269612020"),
        ("09 72 10 10 07", "+33972101007"),
        ("+353 1 234 5678", "+35312345678"),
    ],
)
def test_phone_numbers_are_stored_in_international_form(typed, stored):
    assert to_e164(typed) == stored


@pytest.mark.parametrize("typed", ["12", "+262 123", "+0 123 456 789", "téléphone"])
def test_impossible_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        to_e164(typed)


def test_phone_numbers_read_as_dialled_at_home():
    assert national("+262269612020") == "02 69 61 20 20"
    assert national("+262639401122") == "06 39 40 11 22"
    assert national("+33972101007") == "09 72 10 10 07"
    assert national("+35312345678") == "+35312345678"


def test_map_links_search_openstreetmap_in_mayotte():
    assert map_search_url("Place Mariage", "97600 Mamoudzou") == (
        "https://www.openstreetmap.org/search?query=Place+Mariage%2C+97600+Mamoudzou%2C+Mayotte"
    )
    assert map_search_url("Rue du Port, Dzaoudzi, Mayotte", "") == (
        "https://www.openstreetmap.org/search?query=Rue+du+Port%2C+Dzaoudzi%2C+Mayotte"
    )
