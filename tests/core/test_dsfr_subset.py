"""The reduced design-system files (static/dsfr-subset/) are complete and current."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont

from core import dsfr_subset
from core.management.commands.subset_dsfr import SOURCES, TARGET, UTILITY_CSS

FRENCH = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
    " !\"#$%&'()*+,-./:;<=>?@[]_{|}~«»‘’“”…–—€°·×\u00a0\u202f"
)


def _coverage() -> dict[str, set[int]]:
    return {
        name: set(TTFont(TARGET / "fonts" / f"{name}-latin.woff2").getBestCmap())
        for name, _style, _weight in dsfr_subset.FACES
    }


def test_every_icon_the_portal_names_is_in_the_reduced_stylesheet():
    used = dsfr_subset.icon_classes_in([Path(settings.BASE_DIR) / folder for folder in SOURCES])
    css = (TARGET / "portal-dsfr.css").read_text()
    assert used, "the portal uses icons"
    missing = sorted(icon for icon in used if f".{icon}:" not in css)
    assert not missing, f"run `manage.py subset_dsfr`: {missing} are not in static/dsfr-subset/portal-dsfr.css"


def test_the_committed_stylesheet_is_what_the_command_writes_today():
    used = dsfr_subset.icon_classes_in([Path(settings.BASE_DIR) / folder for folder in SOURCES])
    utility = Path(finders.find(UTILITY_CSS)).read_text()
    expected = dsfr_subset.build_css(utility, used, _coverage()).css
    assert (TARGET / "portal-dsfr.css").read_text() == expected, "run `manage.py subset_dsfr`"


def test_the_reduced_fonts_write_french_and_declare_only_what_they_hold():
    css = (TARGET / "portal-dsfr.css").read_text()
    for name, codes in _coverage().items():
        missing = [char for char in FRENCH if ord(char) not in codes]
        assert not missing, f"{name} lacks {missing}"
        # A declared character the font lacks would send the browser to the full font.
        assert f"unicode-range:{dsfr_subset.unicode_range(codes)}" in css


def test_icon_urls_point_at_the_design_system_files():
    css = (TARGET / "portal-dsfr.css").read_text()
    for url in dsfr_subset.re.findall(r"url\(([^)]+)\)", css):
        if url.startswith("fonts/"):
            assert (TARGET / url).exists(), url
        else:
            assert url.startswith("../dsfr/dist/icons/"), url
            assert finders.find(url.removeprefix("../")), url


def test_unicode_range_joins_consecutive_characters():
    assert dsfr_subset.unicode_range({0x20, 0x21, 0x22, 0x41, 0x20AC}) == "U+20-22, U+41, U+20AC"
