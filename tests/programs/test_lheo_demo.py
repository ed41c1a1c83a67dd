"""The demo catalogue (seed_demo) is valid LHEO 2.3 and holds exactly the public offer.

Its own module: the demo stays loaded for every test of a module that asks for it.
"""

import pytest

from programs.models import Programme, Session
from programs.selectors import public_sessions
from tests.programs.lheo_helpers import assert_valid, find, parse, render

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_is_valid_lheo(demo_seeded):
    document = render()
    assert_valid(document)

    root = parse(document)
    expected = set(
        Programme.objects.published().filter(sessions__in=public_sessions()).values_list("slug", flat=True).distinct()
    )
    assert expected and set(find(root, "l:offres/l:formation/@numero")) == expected
    references = set(find(root, "//l:session/@numero"))
    assert references == set(public_sessions().values_list("reference", flat=True))
    reserved = Session.objects.filter(reserved_for__isnull=False).values_list("reference", flat=True)
    assert reserved and not references & set(reserved)
