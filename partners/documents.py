"""Pure rendering of a convention to PDF: data in, bytes out, no I/O beyond templates.

``convention_data`` turns a convention (loaded with ``selectors.convention_for_document``)
into the plain, JSON-ready dict the template shows; the services hash that same dict, so
a new PDF version is made exactly when something the PDF shows has changed.
"""

import hashlib
import json
import re
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.formatting import date_long, euros

from .models import Convention, Signatory

# Bump when the layout changes what a reader sees, so every convention gets a fresh version.
# 2: the partner is named "en la personne de" its representative, no "(e)" left.
LAYOUT_VERSION = 2
TEMPLATE_NAME = "pdf/convention.html"
SIGNATURE_PLACE = "Mamoudzou"


def format_siret(value: str) -> str:
    """'12345678900012' -> '123 456 789 00012' (SIREN in threes, then the NIC)."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 14:
        return value or ""
    return f"{digits[0:3]} {digits[3:6]} {digits[6:9]} {digits[9:14]}"


def format_amount(value: Decimal | None) -> str:
    """A convention's amount, always with its cents: ``12 500,00 €``."""
    return euros(value, cents=True)


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks stay inside one."""
    return [block.strip() for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if block.strip()]


def _signatory(signatory: Signatory) -> dict:
    return {"name": signatory.full_name, "title": signatory.title}


def convention_data(convention: Convention) -> dict:
    """Everything the PDF shows, as plain strings and lists (uses prefetched relations only)."""
    partner = convention.partner
    signatories = list(convention.signatories.all())
    cnam_signatories = [_signatory(s) for s in signatories if s.party == Signatory.Party.CNAM]
    partner_signatories = [_signatory(s) for s in signatories if s.party == Signatory.Party.PARTNER]
    partner_representative = partner_signatories[0] if partner_signatories else None
    if partner_representative is None and partner.contact_name:
        partner_representative = {"name": partner.contact_name, "title": ""}

    address = ", ".join(part for part in [partner.address, partner.get_commune_display()] if part)
    articles = [
        {"number": article.number, "title": article.title, "paragraphs": paragraphs(article.body)}
        for article in convention.articles.all()
    ]
    allocations = []
    for allocation in convention.allocations.all():
        session = allocation.session
        site = session.site
        allocations.append(
            {
                "session": session.reference,
                "programme": session.programme.title,
                # Non-breaking spaces keep each date on one line in the narrow table column.
                "dates": _("du %(start)s au %(end)s")
                % {
                    "start": date_long(session.start_date).replace(" ", "\u00a0"),
                    "end": date_long(session.end_date).replace(" ", "\u00a0"),
                },
                "place": _("À distance") if site.is_remote else str(site),
                "seats": allocation.seats,
            }
        )
    axes = [{"number": axis.number, "title": axis.title} for axis in convention.axes.all()]
    # Fixed chapters follow the convention's own articles, numbered on from the last one.
    next_number = max((article["number"] for article in articles), default=0) + 1
    chapters = {}
    for key, present in [
        ("axes", bool(axes)),
        ("allocations", bool(allocations)),
        ("duration", True),
        ("finance", bool(convention.financial_terms or convention.amount is not None)),
    ]:
        if present:
            chapters[key] = next_number
            next_number += 1

    return {
        "layout": LAYOUT_VERSION,
        "reference": convention.reference,
        "title": convention.title,
        "partner": {
            "name": partner.name,
            "kind": partner.get_kind_display(),
            "siret": format_siret(partner.siret),
            "address": address,
            "representative": partner_representative,
        },
        "cnam_representative": cnam_signatories[0] if cnam_signatories else None,
        "preamble": [line.strip() for line in (convention.preamble or "").splitlines() if line.strip()],
        "articles": articles,
        "axes": axes,
        "allocations": allocations,
        "seats_total": sum(allocation["seats"] for allocation in allocations),
        "chapters": chapters,
        "start_date": date_long(convention.start_date),
        "end_date": date_long(convention.end_date),
        "financial_terms": paragraphs(convention.financial_terms),
        "amount": format_amount(convention.amount),
        "signed_on": date_long(convention.signed_on),
        "signature_place": SIGNATURE_PLACE,
        "cnam_signatories": cnam_signatories,
        "partner_signatories": partner_signatories,
    }


def content_hash(data: dict) -> str:
    """sha256 of the canonical JSON of what the PDF shows."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    # The template carries its own style and fonts come from the system: nothing is fetched,
    # and a stray http(s) or file URL in the data cannot make the worker reach out.
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def render_html(data: dict) -> str:
    with translation.override("fr"):
        return render_to_string(TEMPLATE_NAME, {"c": data})


def render_convention(convention: Convention, *, data: dict | None = None) -> bytes:
    """The convention as a PDF (A4, French). Pass ``data`` when already computed."""
    from weasyprint import HTML

    html = render_html(data if data is not None else convention_data(convention))
    return HTML(string=html, base_url=None, url_fetcher=_url_fetcher()).write_pdf()
