"""What every follow-up PDF shares: the training body it comes from, its data hash, its rendering.

The body's identity (raison sociale, SIRET, NDA, address, signatory) is read from the centre
record (``centre.selectors.training_body``), the one source every PDF and the LHEO export use.
WeasyPrint gets an inline stylesheet, the system's DejaVu fonts and a URL fetcher that accepts
``data:`` URIs only: a template can never make it reach the network or the disk.
"""

import contextlib
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from centre.selectors import training_body
from partners.documents import format_siret


def body_identity() -> dict[str, str]:
    """The training body as the PDFs name it (one query)."""
    centre = training_body()
    address = ", ".join(part for part in (centre.address_line, f"{centre.postal_code} {centre.city}".strip()) if part)
    return {
        "legal_name": centre.legal_name,
        "name": centre.name,
        "siret": format_siret(centre.siret),
        "activity_declaration_number": centre.activity_declaration_number,
        "address": address,
        "city": centre.city,
        "phone": centre.phone,
        "email": centre.email,
        "signatory_name": centre.signatory_name,
        "signatory_title": centre.signatory_title,
    }


def data_hash(data: dict[str, Any]) -> str:
    """The hash that tells whether a stored PDF still shows the current data."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@contextlib.contextmanager
def in_french_and_local_time() -> Iterator[None]:
    """French and Mayotte time, whoever renders (a worker has no request to set them)."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        yield


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render ``template`` (extending ``pdf/attendance/base.html``) to A4 PDF bytes."""
    from weasyprint import HTML

    with in_french_and_local_time():
        html = render_to_string(template, context)
    return HTML(string=html, base_url=None, url_fetcher=_url_fetcher()).write_pdf()
