"""Every class a template writes is defined by a stylesheet its page loads.

A class nothing defines is either a typo (the style silently does not apply) or a dead name
that makes the next reader look for a rule. The portal's pages load the DSFR, its reduced icon
file and our static/css; the admin's pages load Django's admin and django-import-export's CSS.
A class the packages' own templates write (a structural or script hook such as
``fr-header__body``) counts as defined: we extend their markup.
"""

import re
from pathlib import Path

import dsfr
import import_export
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders

from enrollment.templatetags import enrollment_badges
from partners.templatetags import partner_badges

BASE = Path(settings.BASE_DIR)
TEMPLATES = BASE / "templates"
CLASS_ATTRIBUTE = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
COMMENTS = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<!--.*?-->", re.S)
STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
CSS_NOISE = re.compile(r"/\*.*?\*/|url\([^)]*\)", re.S)
PARTIAL = "\x00"


def classes_in(value: str) -> set[str]:
    """The whole class names of one ``class`` attribute; a name built by a template tag is left out.

    A ``{% if %}`` next to a space separates names (``a{% if x %} b{% endif %}``); a tag glued on
    both sides, or any ``{{ variable }}``, builds a name, which a reader of the file cannot check.
    """

    def replace(match: re.Match) -> str:
        start, end = match.span()
        spaced = start == 0 or value[start - 1].isspace() or end == len(value) or value[end].isspace()
        return " " if match.group(0).startswith("{%") and spaced else PARTIAL

    return {name for name in TEMPLATE_TAG.sub(replace, value).split() if PARTIAL not in name}


def classes_of_templates(folder: Path, *, skip: str = "") -> dict[str, set[str]]:
    """Each class written in the templates under ``folder`` (but ``skip``), with the files that write it."""
    used: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.html")):
        if skip and path.is_relative_to(folder / skip):
            continue
        text = COMMENTS.sub("", path.read_text())
        for match in CLASS_ATTRIBUTE.finditer(text):
            for name in classes_in(match.group(1) if match.group(1) is not None else match.group(2)):
                used.setdefault(name, set()).add(str(path.relative_to(folder)))
    return used


def defined_in(*css_files: Path) -> set[str]:
    found: set[str] = set()
    for path in css_files:
        found |= set(CSS_CLASS.findall(CSS_NOISE.sub("", path.read_text())))
    return found


def _style_blocks() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        for block in STYLE_BLOCK.findall(path.read_text()):
            found |= set(CSS_CLASS.findall(CSS_NOISE.sub("", block)))
    return found


def _package_templates(module) -> Path:
    return Path(module.__file__).parent / "templates"


def _portal_defined() -> set[str]:
    stylesheets = [
        *sorted((BASE / "static" / "css").glob("*.css")),
        BASE / "static" / "dsfr-subset" / "portal-dsfr.css",
    ]
    stylesheets.append(Path(finders.find("dsfr/dist/dsfr/dsfr.min.css")))
    return defined_in(*stylesheets) | _style_blocks() | set(classes_of_templates(_package_templates(dsfr)))


def _admin_defined() -> set[str]:
    stylesheets = sorted(Path(finders.find("admin/css/base.css")).parent.glob("*.css"))
    stylesheets += sorted(Path(finders.find("import_export/import.css")).parent.glob("*.css"))
    packages = (_package_templates(admin), _package_templates(import_export))
    return (
        defined_in(*stylesheets)
        | _style_blocks()
        | {name for folder in packages for name in classes_of_templates(folder)}
    )


def _undefined(used: dict[str, set[str]], defined: set[str]) -> dict[str, list[str]]:
    return {name: sorted(files) for name, files in sorted(used.items()) if name not in defined}


def test_every_class_of_the_portal_pages_is_defined():
    used = classes_of_templates(TEMPLATES, skip="admin")
    assert len(used) > 100, "the collector reads the templates"
    assert not _undefined(used, _portal_defined()), "define these classes in static/css or drop them"


def test_every_class_of_the_admin_pages_is_defined():
    used = classes_of_templates(TEMPLATES / "admin")
    assert used
    assert not _undefined(used, _admin_defined()), "the admin's pages load the admin's CSS, not the DSFR"


def test_every_badge_colour_the_status_filters_give_is_a_dsfr_class():
    maps = (
        enrollment_badges.APPLICATION_STATUS_BADGES,
        enrollment_badges.VAE_STAGE_BADGES,
        enrollment_badges.VAE_RESULT_BADGES,
        partner_badges.CONVENTION_STATE_BADGES,
        partner_badges.CONVENTION_DOCUMENT_BADGES,
    )
    colours = {colour for badges in maps for colour in badges.values() if colour}
    assert not colours - _portal_defined()


def test_class_names_built_by_template_tags_are_left_out():
    value = (
        "fr-a{% if x %} fr-b{% endif %} fr-c--{{ kind }} {{ extra }} "
        "fr-d--{% if y %}e{% else %}f{% endif %} {% if z %}fr-g{% endif %}"
    )
    assert classes_in(value) == {"fr-a", "fr-b", "fr-g"}
