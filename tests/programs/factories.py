"""Catalogue data for the programs tests, on top of tests/factories.py."""

import datetime

from django.utils import timezone

from programs.models import Programme, Session
from tests.factories import DomainFactory, PartnerFactory, ProgrammeFactory, SessionFactory, SiteFactory


def plain_programme(title: str, **kwargs) -> Programme:
    """A published programme whose texts say nothing but what the test gives."""
    defaults = {
        "summary": "Parcours certifiant.",
        "objectives": "Savoir faire.",
        "content": "Cours et projet.",
        "code": "",
    }
    return ProgrammeFactory(title=title, **{**defaults, **kwargs})


def remote_site():
    return SiteFactory(name="Plateforme à distance du CNAM", commune="", is_remote=True, address="")


def reserved_session(**kwargs) -> Session:
    return SessionFactory(reserved_for=PartnerFactory(), **kwargs)


def build_catalogue(count: int) -> list[Programme]:
    """``count`` published programmes, each with two public sessions and one reserved session.

    Sessions are bulk-inserted: building 500 programmes stays fast.
    """
    domain = DomainFactory(slug="catalogue-volume", name="Volume")
    site = SiteFactory()
    remote = remote_site()
    partner = PartnerFactory()
    programmes = ProgrammeFactory.create_batch(count, domain=domain)
    today = timezone.localdate()
    sessions = []
    for index, programme in enumerate(programmes):
        for offset, place, reserved in ((30, site, None), (90, remote, None), (60, site, partner)):
            sessions.append(
                SessionFactory.build(
                    programme=programme,
                    site=place,
                    reserved_for=reserved,
                    start_date=today + datetime.timedelta(days=offset + index % 7),
                    rhythm=Session.Rhythm.REMOTE if place.is_remote else Session.Rhythm.EVENING,
                )
            )
    Session.objects.bulk_create(sessions)
    return programmes
