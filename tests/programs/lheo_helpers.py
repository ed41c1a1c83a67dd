"""Reading LHEO documents in tests: render, parse, find, and the schema when it is at hand."""

import functools
import io
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from centre.models import Centre
from centre.services import centre_ensure
from programs import lheo

NS = {"l": lheo.NAMESPACE}

DEMO_BODY = {
    "siret": "19976000000018",
    "activity_declaration_number": "06976001234",
    "address_line": "Place Mariage",
    "postal_code": "97600",
    "city": "Mamoudzou",
    "email": "contact@cnam-mayotte.fr",
    "phone": "+262269612020",
}


def complete_training_body(**values) -> Centre:
    """The centre's record, the training body LHEO names, with every value the export requires."""
    body = centre_ensure()
    for name, value in {**DEMO_BODY, **values}.items():
        setattr(body, name, value)
    body.full_clean()
    body.save()
    return body


def render(**kwargs) -> bytes:
    out = io.BytesIO()
    lheo.write_document(out, body=centre_ensure(), site_url="https://formations.example.yt", **kwargs)
    return out.getvalue()


def parse(document: bytes) -> etree._Element:
    return etree.fromstring(document)


def find(element: etree._Element, path: str) -> list:
    return element.xpath(path, namespaces=NS)


def text(element: etree._Element, path: str) -> str:
    found = find(element, path)
    assert len(found) == 1, (path, len(found))
    return found[0] if isinstance(found[0], str) else found[0].text


def formation(root: etree._Element, slug: str) -> etree._Element:
    found = find(root, f"l:offres/l:formation[@numero='{slug}']")
    assert len(found) == 1, (slug, len(found))
    return found[0]


@functools.cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def schema() -> etree.XMLSchema:
    """The LHEO 2.3 schema (settings.LHEO_XSD), or a skip naming where it is published."""
    path = Path(settings.LHEO_XSD)
    if not path.is_file():
        pytest.skip(
            f"The LHEO 2.3 schema is not at {path}: get it from {lheo.SCHEMA_URL} "
            "and point the LHEO_XSD setting or environment variable at it."
        )
    return _schema(path)


def assert_valid(document: bytes) -> None:
    validator = schema()
    tree = etree.fromstring(document)
    if not validator.validate(tree):
        errors = "\n".join(f"line {error.line}: {error.message}" for error in list(validator.error_log)[:20])
        pytest.fail(f"The LHEO document breaks the schema:\n{errors}")
