"""``manage.py subset_dsfr``: regenerate static/dsfr-subset/ (see ``core.dsfr_subset``)."""

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError

from core import dsfr_subset

TARGET = Path(settings.BASE_DIR) / "static" / "dsfr-subset"
UTILITY_CSS = "dsfr/dist/utility/utility.min.css"
FONTS = "dsfr/dist/fonts"
SOURCES = (
    "templates",
    "centre",
    "core",
    "enrollment",
    "partners",
    "partner_space",
    "programs",
    "backoffice",
    "demo",
    "cnam_portal",
    "static/css",
)


class Command(BaseCommand):
    help = "Write the icon rules and the Latin fonts of the DSFR the portal uses into static/dsfr-subset/."

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        base = Path(settings.BASE_DIR)
        fonts = _static_path(FONTS)
        coverage = {
            name: dsfr_subset.subset_font(fonts / f"{name}.woff2", TARGET / "fonts" / f"{name}-latin.woff2")
            for name, _style, _weight in dsfr_subset.FACES
        }
        icons = dsfr_subset.icon_classes_in([base / folder for folder in SOURCES])
        utility = _static_path(UTILITY_CSS).read_text()
        subset = dsfr_subset.build_css(utility, icons, coverage)
        (TARGET / "portal-dsfr.css").write_text(subset.css)
        self.stdout.write(
            f"{len(icons)} icons, {len(subset.css)} bytes of CSS, {len(dsfr_subset.FACES)} fonts in {TARGET}."
        )


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if not isinstance(found, str):
        raise CommandError(f"{name} is not among the static files: is django-dsfr installed?")
    return Path(found)
