"""Staff lists a partner uploads (CSV or XLSX): parsing and row validation, as pure functions.

``parse_staff_file`` turns the bytes of a file into ``StaffRow`` objects numbered by their
line in the file (the header is line 1). ``validate_staff_rows`` checks every row against
an ``ImportContext`` (what the database says, read by ``selectors_space.import_context``)
and records French error messages on each row; nothing here reads or writes the database,
so the same validation runs for the preview and again, under lock, at commit time.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from core.phones import normalize_phone
from programs.models import normalize_text

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("prenom", "nom", "email", "fonction", "telephone", "session")
REQUIRED_COLUMNS = ("prenom", "nom", "email", "session")
# The headers as the model file and the messages name them (the email column reads « courriel »).
HEADER_LABELS = {
    "prenom": "prenom",
    "nom": "nom",
    "email": "courriel",
    "fonction": "fonction",
    "telephone": "telephone",
    "session": "session",
}
TEMPLATE_HEADER = ["prenom", "nom", "courriel", "fonction", "telephone", "session"]
# Headers as people type them in a spreadsheet, once accents, case and spacing are removed.
HEADER_ALIASES = {
    "prenom": "prenom",
    "first name": "prenom",
    "nom": "nom",
    "nom de famille": "nom",
    "last name": "nom",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse email": "email",
    "adresse e-mail": "email",
    "adresse electronique": "email",
    "adresse de courriel": "email",
    "fonction": "fonction",
    "poste": "fonction",
    "emploi": "fonction",
    "telephone": "telephone",
    "tel": "telephone",
    "tel.": "telephone",
    "portable": "telephone",
    "mobile": "telephone",
    "numero de telephone": "telephone",
    "telephone portable": "telephone",
    "session": "session",
    "reference session": "session",
    "reference de la session": "session",
    "code session": "session",
}
FIELD_MAX = {"prenom": 100, "nom": 100, "email": 254, "fonction": 150, "telephone": 30, "session": 40}

_email_validator = EmailValidator()


@dataclass
class StaffRow:
    line: int
    first_name: str
    last_name: str
    email: str
    job_title: str
    session_reference: str
    phone: str = ""  # as typed; stored in E.164 on the person's profile
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "job_title": self.job_title,
            "session_reference": self.session_reference,
            "phone": self.phone,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "StaffRow":
        # Optional fields may be missing from a preview kept in the session by an earlier version.
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name != "errors" and name in data})


@dataclass(frozen=True)
class SessionTarget:
    """A session a partner may enroll into, as the validation sees it."""

    session_id: int
    reference: str
    convention_id: int
    convention_reference: str
    seats_left: int  # in the allocation and within the session's capacity
    refusal: str = ""  # why nobody can be enrolled there now (cancelled, ended, convention not in force)


@dataclass(frozen=True)
class ImportContext:
    targets: dict[str, SessionTarget]  # by session reference, upper case
    enrolled: frozenset[tuple[str, int]]  # (email lower case, session id) of live applications


# --- Parsing --------------------------------------------------------------------------------


def _header_key(value) -> str:
    text = normalize_text(str(value or "")).replace("_", " ").strip()
    return HEADER_ALIASES.get(" ".join(text.split()), "")


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        # Excel in France saves « CSV » in Windows-1252.
        return content.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def _csv_lines(content: bytes):
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as error:
        raise ValidationError(
            _("Le fichier CSV est mal formé près de la ligne %(line)s : %(error)s.")
            % {"line": reader.line_num, "error": error},
            code="csv_malformed",
        ) from error


def _xlsx_lines(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(
            _("Le classeur Excel n'a pas pu être lu : enregistrez-le au format .xlsx ou en CSV."),
            code="xlsx_unreadable",
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if value is None else str(value) for value in values]
    finally:
        workbook.close()


def is_xlsx(content: bytes, filename: str = "") -> bool:
    return content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index][: FIELD_MAX[name]] if index is not None and index < len(cells) else ""


def parse_staff_file(content: bytes, filename: str = "") -> list[StaffRow]:
    """Rows of a staff list; raises ValidationError (French) when the file as a whole is unusable."""
    if not content:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("Le fichier dépasse 1 Mo : découpez la liste en plusieurs fichiers."), code="too_large")
    lines = _xlsx_lines(content) if is_xlsx(content, filename) else _csv_lines(content)
    columns: dict[str, int] | None = None
    rows: list[StaffRow] = []
    for number, values in lines:
        cells = [str(value).strip() for value in values]
        if not any(cells):
            continue
        if columns is None:
            columns = {}
            for index, cell in enumerate(cells):
                key = _header_key(cell)
                if key and key not in columns:
                    columns[key] = index
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise ValidationError(
                    _(
                        "La première ligne doit nommer les colonnes %(expected)s ; il manque : %(missing)s. "
                        "Téléchargez le modèle pour partir d'un fichier correct."
                    )
                    % {
                        "expected": ";".join(TEMPLATE_HEADER),
                        "missing": ", ".join(HEADER_LABELS[name] for name in missing),
                    },
                    code="header",
                )
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(
                _("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": MAX_ROWS}, code="too_many_rows"
            )
        rows.append(
            StaffRow(
                line=number,
                first_name=_cell(cells, columns, "prenom"),
                last_name=_cell(cells, columns, "nom"),
                email=_cell(cells, columns, "email").lower(),
                job_title=_cell(cells, columns, "fonction"),
                session_reference=_cell(cells, columns, "session").upper(),
                phone=_cell(cells, columns, "telephone"),
            )
        )
    if columns is None:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune ligne après l'en-tête."), code="no_rows")
    return rows


def template_csv() -> str:
    """The downloadable model: header and one example line, « ; » as Excel in France expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(["Fatima", "Abdou", "fatima.abdou@exemple.yt", "Agente d'accueil", "0639 12 34 56", "S-2027-00001"])
    return "\ufeff" + buffer.getvalue()


# --- Validation -----------------------------------------------------------------------------


def row_errors(row: StaffRow) -> list[str]:
    """What a row lacks on its own, whatever the database says."""
    errors = []
    if not row.first_name:
        errors.append(_("Le prénom manque."))
    if not row.last_name:
        errors.append(_("Le nom manque."))
    if not row.email:
        errors.append(_("L'adresse de courriel manque."))
    else:
        try:
            _email_validator(row.email)
        except ValidationError:
            errors.append(_("L'adresse de courriel « %(email)s » n'est pas valide.") % {"email": row.email})
    if row.phone:
        try:
            normalize_phone(row.phone)
        except ValidationError:
            errors.append(
                _("Le téléphone « %(phone)s » n'est pas un numéro valide (ex. 0639 12 34 56).") % {"phone": row.phone}
            )
    if not row.session_reference:
        errors.append(_("La référence de la session manque."))
    return errors


def validate_staff_rows(rows: list[StaffRow], context: ImportContext) -> list[StaffRow]:
    """Record on each row what prevents enrolling it; seats are counted down the file in order."""
    seats_left = {reference: target.seats_left for reference, target in context.targets.items()}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        row.errors = row_errors(row)
        target = context.targets.get(row.session_reference) if row.session_reference else None
        if row.session_reference and target is None:
            row.errors.append(
                _(
                    "La session « %(session)s » est inconnue ou ne fait pas partie des places réservées "
                    "à votre organisation."
                )
                % {"session": row.session_reference}
            )
        elif target is not None and target.refusal:
            row.errors.append(target.refusal)
        if row.email and row.session_reference:
            key = (row.email, row.session_reference)
            if key in seen:
                row.errors.append(
                    _("Doublon : la ligne %(line)s inscrit déjà cette personne à cette session.") % {"line": seen[key]}
                )
            else:
                seen[key] = row.line
        if target is not None and row.email and (row.email, target.session_id) in context.enrolled:
            row.errors.append(
                _("%(email)s a déjà une candidature ou une inscription en cours pour la session %(session)s.")
                % {"email": row.email, "session": target.reference}
            )
        if row.errors or target is None:
            continue
        if seats_left[row.session_reference] < 1:
            row.errors.append(
                _(
                    "Plus de place disponible pour la session %(session)s dans les places réservées "
                    "par la convention %(convention)s."
                )
                % {"session": target.reference, "convention": target.convention_reference}
            )
        else:
            seats_left[row.session_reference] -= 1
    return rows
