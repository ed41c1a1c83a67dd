"""What of an address may reach a log: the tokens and the search terms it carries are masked.

A password-reset, email-confirmation or claim link written to a log opens an account for
whoever reads the log; a search typed in the admin or the partner space is a person's name.
``REDACTION_RULES`` is the one list of what is masked, used by gunicorn's access and error
logs (``core.gunicorn_logging``) and by Django's own log lines (``RedactingFilter``).

Nothing here imports Django: gunicorn's master process loads it before any app is set up.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

MASK = "[masqué]"


@dataclass(frozen=True)
class Rule:
    """One kind of address: what part of it never reaches a log.

    ``path`` is searched in the decoded path; its ``secret`` group, when it has one, is
    masked (``re.S``: a decoded line break is part of the secret, not its end). Every query
    value is masked unless the first rule that matches says ``keep_query`` (the public
    catalogue, whose filters carry nothing personal).
    """

    name: str
    path: re.Pattern[str]
    keep_query: bool = False


REDACTION_RULES: tuple[Rule, ...] = (
    # django-allauth's reset link: /compte/password/reset/key/<uidb36>-<key>/ (and the
    # ``<uidb36>-set-password/`` page it redirects to); ``done/`` is the page after it.
    Rule("password reset key", re.compile(r"/password/reset/key/(?P<secret>(?!done/?$).+)", re.S)),
    # django-allauth's confirmation link: /compte/confirm-email/<key>/ (the signed key).
    Rule("email confirmation key", re.compile(r"/confirm-email/(?P<secret>.+)", re.S)),
    # core.claims.claim_url: /partenaires/activer/<uidb36>/<token>/.
    Rule("claim link", re.compile(r"/partenaires/activer/(?P<secret>.+)", re.S)),
    # The link that confirms an account's deletion: /candidatures/mes-donnees/suppression/<token>/.
    Rule("account deletion link", re.compile(r"/mes-donnees/suppression/(?P<secret>.+)", re.S)),
    # A private calendar feed: /candidatures/agenda/<token>.ics, /partenaires/agenda/<token>.ics.
    Rule(
        "calendar feed",
        re.compile(r"/(?:candidatures|partenaires)/agenda/(?P<secret>(?!renouveler/?$).+)", re.S),
    ),
    # The address an attendance sheet's QR code opens: /emargement/<token>/ (valid a minute, but
    # whoever reads it within that minute could sign for the person who scanned it).
    Rule("attendance QR code", re.compile(r"^/emargement/(?P<secret>.+)", re.S)),
    # The home page and the catalogue: their filters and search are about programmes.
    Rule("public catalogue", re.compile(r"^/(formations/)?$"), keep_query=True),
)

# Masked wherever they appear, the catalogue included: they may carry an address or a code.
SECRET_QUERY_KEYS = frozenset({"next", "key", "token", "code", "email", "login"})

# Characters left as they are when a masked path is written back (RFC 3986 path characters).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
# An absolute URL or a path inside free text (a log message): up to a blank or a quote.
_ADDRESS_IN_TEXT = re.compile(r"""https?://[^\s"'<>]+|/[^\s"'<>]*""")


def redact_path(path: str) -> str:
    """``path`` with the secret segments of every matching rule replaced by ``MASK``."""
    plain = unquote(path)
    masked = plain
    for rule in REDACTION_RULES:
        if "secret" not in rule.path.groupindex:
            continue
        match = rule.path.search(masked)
        if match:
            masked = masked[: match.start("secret")] + MASK + masked[match.end("secret") :]
    # Unchanged paths are returned as given, encoded or not; masked ones are re-encoded so a
    # decoded control character can never split a log line.
    if masked == plain:
        return path
    return quote(masked, safe=_PATH_SAFE).replace(quote(MASK, safe=""), MASK)


def redact_query(path: str, query: str) -> str:
    """``query`` (of a request for ``path``) with its values masked, its keys kept."""
    if not query:
        return query
    plain_path = unquote(path)
    rule = next((rule for rule in REDACTION_RULES if rule.path.search(plain_path)), None)
    keep = rule is not None and rule.keep_query
    fields = []
    for field in query.split("&"):
        key, sep, _value = field.partition("=")
        if not sep:
            # ``?Dupont``: a bare field is itself the value.
            fields.append(field if keep or not field else MASK)
        elif keep and unquote_plus(key).lower() not in SECRET_QUERY_KEYS:
            fields.append(field)
        else:
            fields.append(f"{key}={MASK}")
    return "&".join(fields)


def redact_uri(uri: str) -> str:
    """A request target or a Referer (path and query, or an absolute URL) without its secrets.

    The fragment is dropped: browsers never send it, so one here was put there on purpose.
    """
    if not uri or uri == "-":
        return uri
    if "://" not in uri.partition("?")[0]:
        # A path: split by hand, as urlsplit would read ``//host/path`` as a network location.
        rest, _hash, _fragment = uri.partition("#")
        path, sep, query = rest.partition("?")
        return redact_path(path) + sep + redact_query(path, query)
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, redact_path(parts.path), redact_query(parts.path, parts.query), ""))


def redact_request_line(line: str) -> str:
    """``GET /path?query HTTP/1.1`` with the target redacted."""
    method, _space, rest = line.partition(" ")
    target, space, protocol = rest.rpartition(" ")
    if not space:
        return f"{method} {redact_uri(rest)}" if rest else line
    return f"{method} {redact_uri(target)} {protocol}"


def redact_text(text: str) -> str:
    """Free text (a log message) with every address in it redacted."""
    return _ADDRESS_IN_TEXT.sub(lambda match: redact_uri(match.group(0)), text)


# Loggers whose 4xx lines are expected refusals: one line each, never a traceback.
REFUSAL_LOGGERS = ("django.request", "django.security")


def _is_refusal_logger(name: str) -> bool:
    return any(name == parent or name.startswith(parent + ".") for parent in REFUSAL_LOGGERS)


class RedactingFilter(logging.Filter):
    """A log handler's filter: addresses redacted, and an expected refusal kept to one line.

    Django logs a 403 (``PermissionDenied``) or a 400 (``SuspiciousOperation``, an unknown
    ``Host``) with its traceback, as if it were a bug; it is the portal doing its job, so the
    traceback is dropped. A 5xx keeps it. On a handler (not a logger) so that the records of
    child loggers (``django.security.DisallowedHost``) pass through it too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and _is_refusal_logger(record.name):
            status = getattr(record, "status_code", None)
            if status is None or 400 <= status < 500:
                record.exc_info = None
                record.exc_text = None
        return True
