"""The demo data set loaded by ``manage.py seed_demo``.

Pure data, no database access. Dates are day offsets from the day the command runs so the
demo always shows open sessions; every object is keyed by a fixed natural key (slug,
reference, email) so that running the command again finds it instead of duplicating it.
Names of people and organisations' numbers are fictitious; emails use the reserved
``.example`` domain so that nothing can ever reach a real mailbox.

Split by topic; objects refer to one another by those keys only, so the modules do not
import each other.
"""

from demo.data.catalogue import CENTRE, DOMAINS, PROGRAMME_INFORMATION, PROGRAMMES, SESSIONS, SITES
from demo.data.partners import CALLS, CONVENTIONS, MEMBERS, PARTNERS, MemberData
from demo.data.people import APPLICANTS, APPLICATIONS

__all__ = [
    "APPLICANTS",
    "APPLICATIONS",
    "CALLS",
    "CENTRE",
    "CONVENTIONS",
    "DOMAINS",
    "MEMBERS",
    "PARTNERS",
    "PROGRAMMES",
    "PROGRAMME_INFORMATION",
    "SESSIONS",
    "SITES",
    "MemberData",
]
