"""Full-text search over published programmes: the one place that knows the database vendor.

PostgreSQL matches the indexed ``search_vector`` (French stemming over unaccented words,
GIN index from migration 0002) and ranks the results. Other databases (SQLite in
development) fall back to substring matching on the accent-free ``search_document``.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import F, QuerySet

from .models import SEARCH_CONFIG, normalize_text

_WORD = re.compile(r"\w+")


def _singular(word: str) -> str:
    """Naive French singular, enough for the fallback: "formations" → "formation", "travaux" → "travau"."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def fallback_terms(text: str) -> list[str]:
    """Words the SQLite fallback requires, each contained in the programme's search document."""
    return [_singular(word) for word in _WORD.findall(normalize_text(text)) if len(word) > 1]


def search_programmes(queryset: QuerySet, *, text: str) -> QuerySet:
    """Keep the programmes matching ``text``, best matches first."""
    text = text.strip()
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        # Filtering on the column itself (``search_vector @@ query``) lets PostgreSQL use the GIN index.
        return (
            queryset.filter(search_vector=query)
            .annotate(search_rank=SearchRank(F("search_vector"), query))
            .order_by("-search_rank", "title", "pk")
        )
    terms = fallback_terms(text)
    if not terms:
        return queryset.none()
    for term in terms:
        queryset = queryset.filter(search_document__icontains=term)
    return queryset
