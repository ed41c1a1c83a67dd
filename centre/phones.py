"""The centre's phone numbers are read and shown by ``core.phones``; the migrations name this module."""

from core.phones import national, to_e164, validate_e164

__all__ = ["national", "to_e164", "validate_e164"]
