"""gunicorn's logger for the portal (``logger_class`` in gunicorn.conf.py): no token or search in its logs.

gunicorn writes each request line, query string and Referer to the access log, and the
request line to the error log when a request fails; the rules of ``core.log_redaction``
mask what they carry. Headers that are credentials (cookies, authorization) are masked
too, should someone add them to ``access_log_format``.
"""

from gunicorn import glogging

from core.log_redaction import MASK, RedactingFilter, redact_path, redact_query, redact_request_line, redact_uri

# Atoms (gunicorn's ``%(x)s`` and ``%({name}i/e/o)s``) that hold a request target or a URL.
URI_ATOMS = ("{referer}i", "{http_referer}e", "{raw_uri}e", "{request_uri}e", "f")
CREDENTIAL_ATOMS = (
    "{cookie}i",
    "{authorization}i",
    "{proxy-authorization}i",
    "{x-csrftoken}i",
    "{set-cookie}o",
    "{http_cookie}e",
    "{http_authorization}e",
    "{http_proxy_authorization}e",
    "{http_x_csrftoken}e",
)


def redact_atoms(atoms: dict) -> dict:
    """gunicorn's access-log atoms with the request's secrets masked."""
    redacted = dict(atoms)
    path = atoms.get("U") or ""
    if atoms.get("r"):
        redacted["r"] = redact_request_line(atoms["r"])
    if atoms.get("U"):
        redacted["U"] = redact_path(atoms["U"])
    if atoms.get("q"):
        redacted["q"] = redact_query(path, atoms["q"])
    if atoms.get("{path_info}e"):
        redacted["{path_info}e"] = redact_path(atoms["{path_info}e"])
    if atoms.get("{query_string}e"):
        redacted["{query_string}e"] = redact_query(path, atoms["{query_string}e"])
    for name in URI_ATOMS:
        if isinstance(atoms.get(name), str):
            redacted[name] = redact_uri(atoms[name])
    for name in CREDENTIAL_ATOMS:
        if atoms.get(name):
            redacted[name] = MASK
    return redacted


# gunicorn's error log names the request it could not handle: its address is redacted too.
_ERROR_LOG_FILTER = RedactingFilter()


class RedactingLogger(glogging.Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        # addFilter ignores a filter already there: a configuration reload adds it once.
        self.error_log.addFilter(_ERROR_LOG_FILTER)

    def atoms(self, resp, req, environ, request_time) -> dict:
        return redact_atoms(super().atoms(resp, req, environ, request_time))
