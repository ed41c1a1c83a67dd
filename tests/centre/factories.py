"""The centre record as a test wants it: the one row, with the fields the test sets."""

from centre.models import Centre


def centre_record(**fields) -> Centre:
    """The single record (created with its first content if a flush removed it), updated with ``fields``."""
    record = Centre.objects.first() or Centre()
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    return record
