"""Staff lists a partner uploads (CSV or XLSX): parsing and row validation, as pure functions.

``parse_staff_file`` turns the bytes of a file into ``StaffRow`` objects numbered by their
line in the file (the header is line 1). ``validate_staff_rows`` checks every row against
an ``ImportContext`` (what the database says, read by ``selectors_space.import_context``)
and records French error messages on each row; nothing here reads or writes the database,
so the same validation runs for the preview and again, under lock, at commit time.
"""

import codecs
import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from core.phones import normalize_phone
from core.spreadsheets import neutralise_row
from programs.models import normalize_text

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 5000
# What reading a file may cost, whatever it holds: lines read (blank ones included), columns read
# per line, and for a workbook the members of its zip and their size once unpacked (a zip bomb
# of 1 MB unpacks to gigabytes). A real list of 5,000 people stays far below each bound.
MAX_LINES = 2 * MAX_ROWS
MAX_COLUMNS = 50
MAX_XLSX_MEMBERS = 200
MAX_XLSX_UNPACKED_BYTES = 25 * 1024 * 1024
# XML elements in one member of a workbook: 3 a cell, 16 cells a line for 5,000 lines. Parsing
# one takes openpyxl about 10 µs, and a sheet that does not declare its size is parsed twice.
MAX_XML_TAGS = 250_000
# A row of a sheet, namespaced or not (<row r="2">, <x:row/>); <rowBreaks> is no row.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
# Office files never declare a DTD or entities; expanding them is how XML bombs and file reads work.
_XML_DECLARATIONS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
# Characters no text file holds: a binary file, or UTF-16 without its byte order mark.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
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
    """The text of a CSV file as Excel, LibreOffice or a text editor save it.

    UTF-8 (with or without its byte order mark), UTF-16 with its mark (Excel's « Texte Unicode »),
    else Windows-1252 (Excel's « CSV » in France); anything else is refused by name rather than
    read as garbage.
    """
    text = None
    try:
        if content.startswith(codecs.BOM_UTF8):
            text = content[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = content.decode("utf-16")
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = content.decode("cp1252")
    except UnicodeDecodeError:
        pass
    # A DOS end-of-file mark may close an old file.
    if text is None or _CONTROL_CHARACTERS.search(text.rstrip("\x1a")):
        raise ValidationError(
            _("Le fichier n'est pas en UTF-8, UTF-16 ni Windows-1252 : enregistrez-le en CSV UTF-8."),
            code="encoding",
        )
    return text.rstrip("\x1a")


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


def _xlsx_unreadable() -> ValidationError:
    return ValidationError(
        _("Le classeur Excel n'a pas pu être lu : enregistrez-le au format .xlsx ou en CSV."),
        code="xlsx_unreadable",
    )


def _too_many_lines() -> ValidationError:
    return ValidationError(
        _(
            "Le fichier compte plus de %(max)s lignes, lignes vides comprises : supprimez les lignes vides "
            "en fin de feuille ou découpez-le."
        )
        % {"max": MAX_LINES},
        code="too_many_lines",
    )


def _check_archive(content: bytes) -> None:
    """Refuse a workbook that would cost too much to unpack, or whose XML declares a DTD or entities,
    before any XML parser reads it."""
    too_large = ValidationError(
        _(
            "Le classeur Excel est trop volumineux une fois décompressé : gardez une seule feuille avec "
            "la liste des agents, ou enregistrez-le en CSV."
        ),
        code="xlsx_too_large",
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS or sum(member.file_size for member in members) > MAX_XLSX_UNPACKED_BYTES:
            raise too_large
        for member in members:
            # zipfile reads no more than the declared size, which was just bounded.
            data = b"" if member.is_dir() else archive.read(member)
            if _declares_xml_entities(data):
                raise ValidationError(
                    _(
                        "Le classeur Excel contient des déclarations XML (DTD ou entités) refusées par sécurité : "
                        "enregistrez-le de nouveau depuis Excel ou LibreOffice, ou en CSV."
                    ),
                    code="xlsx_xml_declarations",
                )
            # Counted in the bytes, since openpyxl parses a whole sheet to find its size when the
            # sheet does not declare it: millions of empty rows would take a minute.
            if _more_than(_ROW_TAG, data, MAX_LINES):
                raise _too_many_lines()
            if data.count(b"<") > MAX_XML_TAGS:
                raise too_large
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
        raise _xlsx_unreadable() from error


def _more_than(pattern: re.Pattern[bytes], data: bytes, limit: int) -> bool:
    return any(count > limit for count, _match in enumerate(pattern.finditer(data), start=1))


def _declares_xml_entities(data: bytes) -> bool:
    return any(marker in data for marker in _XML_DECLARATIONS)


def _xlsx_lines(content: bytes):
    from openpyxl import load_workbook

    _check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as error:  # whatever openpyxl trips on, in a file it cannot read, is the same refusal
        logger.info("Workbook refused: %r", error)
        raise _xlsx_unreadable() from error
    try:
        # What the sheet says it spans; a sheet that lies is still read only up to the bounds.
        if (sheet.max_row or 0) > MAX_LINES:
            raise _too_many_lines()
        columns = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
        rows = sheet.iter_rows(max_row=MAX_LINES + 1, max_col=columns, values_only=True)
        for number, values in enumerate(rows, start=1):
            yield number, ["" if value is None else str(value) for value in values]
    except ValidationError:
        raise
    except Exception as error:  # the sheet's XML is parsed as it is read
        logger.info("Workbook refused while reading: %r", error)
        raise _xlsx_unreadable() from error
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
        # Counted as read, blank lines included: a file of a million empty rows stops here at once.
        if number > MAX_LINES:
            raise _too_many_lines()
        cells = [str(value).strip() for value in values[:MAX_COLUMNS]]
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
    writer.writerow(neutralise_row(TEMPLATE_HEADER))
    writer.writerow(
        neutralise_row(
            ["Fatima", "Abdou", "fatima.abdou@exemple.yt", "Agente d'accueil", "0639 12 34 56", "S-2027-00001"]
        )
    )
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
