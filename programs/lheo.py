"""The public catalogue as an LHEO 2.3 document: ``lheo > offres > formation > action > session``.

LHEO (« Langage harmonisé d'échange d'informations sur l'offre de formation », namespace
``http://lheo.gouv.fr/2.3``) is how French training bodies publish their offer to the Carif-Oref,
France Travail and Mon Compte Formation. Rendering only: querysets in, XML bytes out, written
to a binary file object one ``formation`` at a time (``lxml.etree.xmlfile``), so memory holds
one chunk of programmes whatever the catalogue's size and the query count is fixed per chunk.

What is published: every published programme with at least one upcoming public session
(``selectors.public_sessions``: scheduled, never reserved for a partner). Cancelled sessions are
left out, as LHEO's ``etat-recrutement`` has no value for them (only open, closed, suspended).
A programme's sessions are grouped into one ``action`` per place and rhythm, because the place
(``lieu-de-formation``) and the rhythm (``rythme-formation``) belong to the action.

The codes (read from ``lheo-gml.xml``'s dictionaries): ``code-niveau-entree`` 11–18 for the
levels 1–8 of the national framework and 1 (« sans niveau spécifique ») for none;
``modalites-enseignement`` 0 in person, 1 hybrid, 2 remote; ``etat-recrutement`` 1 open,
2 closed, 3 suspended; public codes are FORMACODE V10's ``public visé``.
"""

import dataclasses
import datetime
import re
from copy import deepcopy
from itertools import groupby
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from enrollment.seats import annotate_seats

from .models import Commune, FundingRoute, Programme, QualificationLevel, Session, Site
from .selectors import SEARCH_COLUMNS, public_sessions

if TYPE_CHECKING:
    from centre.models import Centre

NAMESPACE = "http://lheo.gouv.fr/2.3"
SCHEMA_URL = "http://lheo.gouv.fr/2.3/lheo.xsd"
# The audiences' codes come from FORMACODE V10's « public visé » list (dict-public-vise-formacode-V10).
FORMACODE_VERSION = "V10"
EVERYONE_FORMACODE = "83056"  # « tout public »: a programme that names no audience
# Programmes read at once: each chunk costs the same few queries (programmes, audiences, sessions).
CHUNK_SIZE = 200

ENTRY_LEVEL_CODES = {QualificationLevel.NONE: "1"} | {
    level: str(10 + level) for level in QualificationLevel if level != QualificationLevel.NONE
}
TEACHING_MODE_CODES = {
    Programme.Modality.IN_PERSON: "0",
    Programme.Modality.HYBRID: "1",
    Programme.Modality.REMOTE: "2",
}
FUNDER_CODES = {  # dict-financeurs; the CPF has no funder code of its own
    FundingRoute.FRANCE_TRAVAIL: "4",
    FundingRoute.OPCO: "16",
    FundingRoute.REGION: "2",  # the Conseil départemental of Mayotte acts as the region
    FundingRoute.EMPLOYER: "5",
}
CERTIFYING_TYPES = {Programme.CertificationType.NATIONAL_DIPLOMA, Programme.CertificationType.RNCP_TITLE}
OPEN, CLOSED, SUSPENDED = "1", "2", "3"
APPLICATION_ON_FILE = "7"  # dict-modalite-recrutement: « inscription sur candidature »
FIXED_DATES = "0"  # dict-modalites-es: « entrées/sorties à dates fixes »
NO_CONDITIONS = "aucune"  # the value LHEO asks for when an action has no specific condition

# La Poste's postal code and INSEE's code of each of the 17 communes (the site's own address may
# give its postal code: Dzaoudzi has two, 97610 and 97615, the latter Labattoir's and the prefecture's).
COMMUNE_CODES = {
    Commune.ACOUA: ("97630", "97601"),
    Commune.BANDRABOUA: ("97650", "97602"),
    Commune.BANDRELE: ("97660", "97603"),
    Commune.BOUENI: ("97620", "97604"),
    Commune.CHICONI: ("97670", "97605"),
    Commune.CHIRONGUI: ("97620", "97606"),
    Commune.DEMBENI: ("97660", "97607"),
    Commune.DZAOUDZI: ("97615", "97608"),
    Commune.KANI_KELI: ("97625", "97609"),
    Commune.KOUNGOU: ("97690", "97610"),
    Commune.MAMOUDZOU: ("97600", "97611"),
    Commune.MTSAMBORO: ("97630", "97612"),
    Commune.MTSANGAMOUJI: ("97650", "97613"),
    Commune.OUANGANI: ("97670", "97614"),
    Commune.PAMANDZI: ("97615", "97615"),
    Commune.SADA: ("97640", "97616"),
    Commune.TSINGONI: ("97680", "97617"),
}
MAYOTTE_DEPARTMENT, MAYOTTE_REGION = "976", "06"
MAX_EMAIL_CHARS = 160  # LHEO's « courriel »; Django's EmailField allows 254
# "Place Mariage, 97600 Mamoudzou": the street, then the postal code and the town the commune gives.
_POSTAL_TAIL = re.compile(r"[,\s]*\b(976\d\d)\b.*$")


class MissingTrainingBodyData(Exception):
    """The training body lacks a value LHEO requires; ``fields`` names them (French labels)."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        super().__init__(
            _(
                "L'export LHEO est impossible : renseignez dans l'administration (« Centre et pages légales », "
                "partie « Organisme de formation ») ces informations de l'organisme de formation : %(fields)s."
            )
            % {"fields": ", ".join(fields)}
        )


def missing_training_body_fields(body: "Centre") -> list[str]:
    """What LHEO requires of the training body and it does not say, as French labels."""
    required = ("siret", "activity_declaration_number", "address_line", "postal_code", "city")
    return [str(body._meta.get_field(name).verbose_name) for name in required if not getattr(body, name)]


@dataclasses.dataclass
class ExportSummary:
    """What a written document holds, and between which instants only time would change it."""

    formations: int = 0
    actions: int = 0
    sessions: int = 0
    # The latest and the next instant at which an application window opens or closes, or the
    # day turns (sessions over leave): the document is exact from ``changed_at`` until ``valid_until``.
    changed_at: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None

    def saw(self, instant: datetime.datetime, now: datetime.datetime) -> None:
        if instant <= now:
            self.changed_at = max(self.changed_at or instant, instant)
        else:
            self.valid_until = min(self.valid_until or instant, instant)


def exported_programmes(*, today: datetime.date | None = None) -> QuerySet[Programme]:
    """Published programmes with at least one upcoming public session, each with ``lheo_sessions``."""
    sessions = public_sessions(today=today)
    return (
        Programme.objects.published()
        .filter(Exists(sessions.filter(programme=OuterRef("pk"))))
        .select_related("domain")
        .defer(*SEARCH_COLUMNS)
        .prefetch_related(
            "audiences",
            Prefetch(
                "sessions",
                queryset=annotate_seats(sessions.select_related("site")).order_by(
                    "site__is_remote", "site__name", "site_id", "rhythm", "start_date", "reference"
                ),
                to_attr="lheo_sessions",
            ),
        )
        .order_by("title", "pk")
    )


def write_document(
    out: IO[bytes],
    *,
    body: "Centre",
    site_url: str,
    now: datetime.datetime | None = None,
    programmes: QuerySet[Programme] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ExportSummary:
    """Write the LHEO document of ``programmes`` (the public catalogue by default) to ``out``.

    Raises ``MissingTrainingBodyData`` before writing anything when the training body lacks
    a value LHEO requires.
    """
    missing = missing_training_body_fields(body)
    if missing:
        raise MissingTrainingBodyData(missing)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if programmes is None:
        programmes = exported_programmes(today=today)
    summary = ExportSummary()
    # Tomorrow's first instant: sessions ending today leave the document then.
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    summary.saw(midnight, now)
    summary.saw(midnight + datetime.timedelta(days=1), now)
    writer = _Writer(body=body, site_url=site_url, now=now, summary=summary)
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_q("lheo"), nsmap={None: NAMESPACE}), xf.element(_q("offres")):
            for programme in programmes.iterator(chunk_size=chunk_size):
                # A session changed between the two reads may leave none: LHEO wants an action at least.
                if programme.lheo_sessions:
                    xf.write(writer.formation(programme))
                    summary.formations += 1
                # Each session refers back to its programme: without this, every chunk would wait
                # for the cyclic garbage collector, and memory would grow with the catalogue.
                programme.__dict__.pop("lheo_sessions", None)
                programme._prefetched_objects_cache = {}
            xf.flush()
    return summary


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _clip(text: str, limit: int) -> str:
    """``text`` on one line if short, cut at a word with « … » within ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def _lines(text: str, *, limit: int = 50, count: int = 4) -> list[str]:
    """An address in at most ``count`` lines of ``limit`` characters (LHEO's ``ligne``)."""
    words = text.replace("\n", " ").split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word[:limit])
    if len(lines) > count:
        lines = [*lines[: count - 1], _clip(" ".join(lines[count - 1 :]), limit)]
    return lines


def _day(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")  # AAAAMMJJ


def _stamp(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


class _Writer:
    """Builds one ``formation`` element at a time; the training body's part is built once."""

    def __init__(self, *, body: "Centre", site_url: str, now: datetime.datetime, summary: ExportSummary):
        self.body = body
        self.site_url = site_url.rstrip("/")
        self.now = now
        self.summary = summary
        self.responsible_body = self._responsible_body()
        # Translated once: the same few texts go into thousands of elements.
        self.rhythm_labels = {value: str(label) for value, label in Session.Rhythm.choices}
        self.route_labels = {route: str(route.label) for route in FundingRoute}
        self.work_study_text = _("Formation en alternance : périodes en centre de formation et en entreprise.")
        self.no_work_study_text = _("Sans alternance.")
        self.registration_text = _("Candidature en ligne, sur la page de la formation.")
        self.places: dict[int, dict[str, Any]] = {}
        self.body_address = {
            "denomination": body.legal_name or body.name,
            "lines": _lines(body.address_line),
            "postal_code": body.postal_code,
            "city": body.city,
            "insee": "",
        }

    # --- helpers -----------------------------------------------------------

    @staticmethod
    def add(parent: etree._Element, tag: str, text: Any = None, **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, _q(tag), attributes)
        if text is not None:
            element.text = str(text)
        return element

    def address(self, parent: etree._Element, place: dict[str, Any]) -> None:
        # Built once per place, then copied (in C): every session of a place repeats its address.
        if "element" not in place:
            place["element"] = self._address(place)
        parent.append(deepcopy(place["element"]))

    def _address(self, place: dict[str, Any]) -> etree._Element:
        address = etree.Element(_q("adresse"))
        if place["denomination"]:
            self.add(address, "denomination", _clip(place["denomination"], 255))
        for line in place["lines"]:
            self.add(address, "ligne", line)
        self.add(address, "codepostal", place["postal_code"])
        self.add(address, "ville", _clip(place["city"], 50))
        if place["postal_code"].startswith(MAYOTTE_DEPARTMENT):
            self.add(address, "departement", MAYOTTE_DEPARTMENT)
            if place["insee"]:
                self.add(address, "code-INSEE-commune", place["insee"])
            self.add(address, "region", MAYOTTE_REGION)
        self.add(address, "pays", "FR")
        return address

    def coordinates(
        self,
        parent: etree._Element,
        *,
        name: str = "",
        place: dict[str, Any] | None = None,
        phone: str = "",
        email: str = "",
        website: str = "",
    ) -> None:
        coordinates = self.add(parent, "coordonnees")
        if name:
            self.add(coordinates, "nom", _clip(name, 50))
        if place:
            self.address(coordinates, place)
        if phone:
            self.add(self.add(coordinates, "telfixe"), "numtel", phone)
        if email and len(email) <= MAX_EMAIL_CHARS:
            self.add(coordinates, "courriel", email)
        if website:
            self.add(self.add(coordinates, "web"), "urlweb", website)

    def site_place(self, site: Site) -> dict[str, Any]:
        """A site's address for LHEO; a remote site's is the training body's (where people apply)."""
        if site.pk not in self.places:
            self.places[site.pk] = self._site_place(site)
        return self.places[site.pk]

    def _site_place(self, site: Site) -> dict[str, Any]:
        if site.is_remote:
            return self.body_address
        postal_code, insee = COMMUNE_CODES[Commune(site.commune)]
        street = site.address
        if match := _POSTAL_TAIL.search(street):
            postal_code = match.group(1)
            street = street[: match.start()]
        return {
            "denomination": site.name,
            "lines": _lines(street) or _lines(site.name),
            "postal_code": postal_code,
            "city": site.get_commune_display(),
            "insee": insee,
        }

    # --- the document's parts ---------------------------------------------

    def _responsible_body(self) -> etree._Element:
        body = self.body
        element = etree.Element(_q("organisme-formation-responsable"), nsmap={None: NAMESPACE})
        self.add(element, "numero-activite", body.activity_declaration_number)
        self.add(self.add(element, "SIRET-organisme-formation"), "SIRET", body.siret)
        self.add(element, "nom-organisme", _clip(body.name, 250))
        self.add(element, "raison-sociale", _clip(body.legal_name or body.name, 250))
        place = {
            "denomination": "",
            "lines": _lines(body.address_line),
            "postal_code": body.postal_code,
            "city": body.city,
            "insee": "",
        }
        self.coordinates(
            self.add(element, "coordonnees-organisme"),
            place=place,
            phone=body.phone,
            email=body.email,
            website=self.site_url,
        )
        reception = self.add(element, "contact-organisme")
        self.add(reception, "type-contact", "4")  # accueil
        self.coordinates(reception, name=body.name, phone=body.phone, email=body.email)
        if body.disability_referent_name or body.disability_referent_email or body.disability_referent_phone:
            referent = self.add(element, "contact-organisme")
            self.add(referent, "type-contact", "1")  # référent handicap
            self.coordinates(
                referent,
                name=body.disability_referent_name,
                phone=body.disability_referent_phone,
                email=body.disability_referent_email,
            )
        return element

    def formation(self, programme: Programme) -> etree._Element:
        body = self.body
        formation = etree.Element(
            _q("formation"),
            {"numero": programme.slug, "horodatage-modification": _stamp(programme.updated_at)},
            nsmap={None: NAMESPACE},
        )
        domain = self.add(formation, "domaine-formation")
        if programme.formacode_domain:
            self.add(domain, "code-FORMACODE", programme.formacode_domain, ref=FORMACODE_VERSION)
        self.add(formation, "intitule-formation", _clip(programme.title, 255))
        objectives = programme.objectives.strip() or programme.summary
        self.add(formation, "objectif-formation", _clip(objectives, 3000))
        self.add(formation, "resultats-attendus", _clip(programme.expected_results.strip() or objectives, 3000))
        self.add(formation, "contenu-formation", _clip(programme.content.strip() or programme.summary, 3000))
        certifying = bool(programme.rncp_code or programme.rs_code) or programme.certification_type in CERTIFYING_TYPES
        self.add(formation, "certifiante", "1" if certifying else "0")
        contact = self.add(formation, "contact-formation")
        self.add(contact, "type-contact", "3")  # référent pédagogique
        self.coordinates(
            contact,
            name=programme.contact_name or body.name,
            phone=programme.contact_phone or body.phone,
            email=programme.contact_email or body.email,
        )
        if body.disability_referent_name or body.disability_referent_email:
            referent = self.add(formation, "contact-formation")
            self.add(referent, "type-contact", "1")
            self.coordinates(
                referent,
                name=body.disability_referent_name,
                phone=body.disability_referent_phone,
                email=body.disability_referent_email,
            )
        self.add(formation, "parcours-de-formation", programme.training_path or Programme.TrainingPath.GROUP)
        self.add(formation, "code-niveau-entree", ENTRY_LEVEL_CODES[QualificationLevel(programme.entry_level)])
        if programme.rncp_code or programme.rs_code:
            certification = self.add(formation, "certification")
            if programme.rncp_code:
                self.add(certification, "code-RNCP", programme.rncp_code)
            if programme.rs_code:
                self.add(certification, "code-RS", programme.rs_code)
        if programme.certification_level:
            self.add(
                formation, "code-niveau-sortie", ENTRY_LEVEL_CODES[QualificationLevel(programme.certification_level)]
            )
        url = self.site_url + programme.get_absolute_url()
        self.add(self.add(formation, "url-formation"), "urlweb", url)
        common = self.action_common(programme)
        sessions = programme.lheo_sessions
        for _key, group in groupby(sessions, key=lambda session: (session.site_id, session.rhythm)):
            formation.append(self.action(programme, list(group), common=common, url=url))
        # A copy: lxml moves an element appended elsewhere.
        formation.append(deepcopy(self.responsible_body))
        return formation

    def action_common(self, programme: Programme) -> dict[str, Any]:
        """What every action of ``programme`` says alike, worked out once."""
        audiences = [audience for audience in programme.audiences.all() if audience.formacode][:10]
        if programme.is_work_study:
            work_study = self.work_study_text
            if programme.duration_text:
                work_study = f"{work_study} {programme.duration_text}"
        else:
            work_study = self.no_work_study_text
        routes = set(programme.funding_routes or ())
        funding = ", ".join(label for route, label in self.route_labels.items() if route in routes)
        if programme.price_note:
            funding = f"{funding}. {programme.price_note}" if funding else programme.price_note
        return {
            "public_codes": list(dict.fromkeys(audience.formacode for audience in audiences)) or [EVERYONE_FORMACODE],
            "public_info": _clip(", ".join(audience.label for audience in audiences), 250),
            "work_study": _clip(work_study, 3000),
            "mode": TEACHING_MODE_CODES[Programme.Modality(programme.modality)],
            "conditions": _clip(programme.prerequisites.strip() or NO_CONDITIONS, 3000),
            "access_terms": _clip(programme.access_terms, 3000),
            "teaching_methods": _clip(programme.teaching_methods, 200),
            "duration": _clip(self.duration(programme), 150),
            "funding": _clip(funding, 600),
            "funders": [FUNDER_CODES[route] for route in FundingRoute if route in routes and route in FUNDER_CODES],
            "certification_codes": [
                ("reference-code-RNCP", programme.rncp_code),
                ("reference-code-RS", programme.rs_code),
            ],
        }

    def action(self, programme: Programme, sessions: list[Session], *, common: dict, url: str) -> etree._Element:
        first = sessions[0]
        site = first.site
        action = etree.Element(_q("action"), {"numero": f"{programme.slug}-{site.pk}-{first.rhythm}"})
        rhythm = self.rhythm_labels.get(first.rhythm, first.rhythm)
        if programme.rhythm:
            rhythm = f"{rhythm}. {programme.rhythm}"
        self.add(action, "rythme-formation", _clip(rhythm, 3000))
        for code in common["public_codes"]:
            self.add(action, "code-public-vise", code, ref=FORMACODE_VERSION)
        if common["public_info"]:
            self.add(action, "info-public-vise", common["public_info"])
        self.add(action, "niveau-entree-obligatoire", "0" if programme.entry_level == QualificationLevel.NONE else "1")
        self.add(action, "modalites-alternance", common["work_study"])
        mode = "2" if site.is_remote and common["mode"] == "0" else common["mode"]
        self.add(action, "modalites-enseignement", mode)
        self.add(action, "conditions-specifiques", common["conditions"])
        self.add(action, "prise-en-charge-frais-possible", "1" if programme.funding_routes else "0")
        place = self.site_place(site)
        if not site.is_remote:
            self.coordinates(self.add(action, "lieu-de-formation"), place=place)
        self.add(action, "modalites-entrees-sorties", FIXED_DATES)
        for session in sessions:
            action.append(self.session(session, place, common=common, url=url))
        accessibility = programme.disability_access.strip() or site.accessibility.strip()
        if accessibility:
            self.add(action, "acces-handicapes", _clip(accessibility, 250))
        self.add(action, "langue-formation", "fr")
        if common["access_terms"]:
            self.add(action, "modalites-recrutement", common["access_terms"])
        if common["teaching_methods"]:
            self.add(action, "modalites-pedagogiques", common["teaching_methods"])
        if programme.price_eur is not None:
            self.add(action, "prix-total-TTC", f"{programme.price_eur:.2f}")
        self.add(action, "duree-indicative", common["duration"])
        self.add(action, "nombre-heures-total", programme.duration_hours)
        if common["funding"]:
            self.add(action, "detail-conditions-prise-en-charge", common["funding"])
        for code in common["funders"]:
            self.add(self.add(action, "organisme-financeur"), "code-financeur", code)
        self.summary.actions += 1
        return action

    @staticmethod
    def duration(programme: Programme) -> str:
        hours = ngettext("%(count)d heure", "%(count)d heures", programme.duration_hours) % {
            "count": programme.duration_hours
        }
        if programme.duration_months:
            months = ngettext("%(count)d mois", "%(count)d mois", programme.duration_months) % {
                "count": programme.duration_months
            }
            hours = _("%(hours)s sur %(months)s") % {"hours": hours, "months": months}
        return f"{hours}. {programme.duration_text}" if programme.duration_text else hours

    def recruitment_state(self, session: Session) -> str:
        """Open while applications are taken and seats are left; suspended before; closed after or full."""
        self.summary.saw(session.applications_open_at, self.now)
        self.summary.saw(session.applications_close_at, self.now)
        if self.now < session.applications_open_at:
            return SUSPENDED
        if self.now > session.applications_close_at or session.seats_free <= 0:
            return CLOSED
        return OPEN

    def session(self, session: Session, place: dict[str, Any], *, common: dict, url: str) -> etree._Element:
        element = etree.Element(
            _q("session"), {"numero": session.reference, "horodatage-modification": _stamp(session.updated_at)}
        )
        period = self.add(element, "periode")
        self.add(period, "debut", _day(session.start_date))
        self.add(period, "fin", _day(session.end_date))
        self.address(self.add(element, "adresse-inscription"), place)
        self.add(element, "modalites-inscription", self.registration_text)
        window = self.add(self.add(element, "periode-inscription"), "periode")
        self.add(window, "debut", _day(timezone.localdate(session.applications_open_at)))
        self.add(window, "fin", _day(timezone.localdate(session.applications_close_at)))
        self.add(element, "etat-recrutement", self.recruitment_state(session))
        recruitment = self.add(element, "recrutement")
        self.add(recruitment, "modalite-recrutement", APPLICATION_ON_FILE)
        self.add(recruitment, "a-distance", "1" if session.site.is_remote else "0")
        self.add(recruitment, "nb-places", session.capacity)
        if session.schedule:
            self.add(recruitment, "commentaire", _clip(session.schedule, 500))
        # As Session.get_absolute_url says, without reversing the programme's address again.
        self.add(self.add(element, "url-session"), "urlweb", f"{url}#session-{session.pk}")
        codes = [(tag, code) for tag, code in common["certification_codes"] if code]
        if codes:
            reference = self.add(element, "reference-certification")
            for tag, code in codes:
                self.add(reference, tag, code)
        self.summary.sessions += 1
        return element
