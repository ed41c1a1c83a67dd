"""What a deposited file really holds, read in depth: a PDF parsed and walked, an image decoded in full.

First bytes only say what a file claims to be. Staff open these documents on their
workstations, so a PDF that runs a script, launches a program, carries another file or a
dynamic form, and an image that does not decode or would fill the memory, are refused with a
French message naming the file. Each check takes an open binary file, reads it from the start
and leaves it there; its size was bounded before (``settings.DOCUMENT_MAX_BYTES``).
"""

import io
import logging
import re
import warnings
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

logger = logging.getLogger(__name__)

# A 48-megapixel phone photo fits; decoding one takes about 150 MB, a bomb would take gigabytes.
MAX_IMAGE_PIXELS = 50_000_000
# Far more than any scanned document; a file of only tiny objects would take seconds to walk.
MAX_PDF_OBJECTS = 100_000
MAX_PDF_DEPTH = 64

# Names that only the refused features use: scripts, automatic actions, attached files,
# rich media and XFA forms. Read after ``#xx`` escapes are decoded (``/J#61vaScript``).
ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/RichMediaExecute",
        "/XFA",
    }
)
ACTIVE_KEYS = ACTIVE_NAMES - {"/Launch", "/EmbeddedFile", "/RichMedia", "/RichMediaExecute"}
ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"})
# What a click on a link may do: go to a page of the document, open a web address, turn the page.
LINK_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
# Where a link may lead.
WEB_SCHEMES = ("https://", "http://", "mailto:")
# What opening the document may do: show a given page, nothing else.
OPEN_ACTIONS = frozenset({"/GoTo"})

_STREAM_START = re.compile(rb"\bstream\r?\n")
_STREAM_END = b"endstream"
_LITERAL_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.S)


def _name_pattern(names) -> re.Pattern[bytes]:
    """One regex for ``names`` as a PDF may write them, each character plain or ``#xx``-escaped."""

    def spelled(name: str) -> bytes:
        return b"".join(
            b"(?:%s|#%s[%s%s])"
            % (re.escape(char.encode()), b"%X" % (ord(char) >> 4), b"%X" % (ord(char) & 15), b"%x" % (ord(char) & 15))
            for char in name.lstrip("/")
        )

    alternatives = b"|".join(spelled(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rb"/(?:" + alternatives + rb")(?=[\s/\[\]()<>{}%]|\Z)")


_ACTIVE_NAME = _name_pattern(ACTIVE_NAMES)
_PDF_END = b"%%EOF"
_START_XREF = b"startxref"
# What may follow the end marker: line ends and the padding some scanners add.
_END_PADDING = b" \t\r\n\x00\x0c"


class _Refused(Exception):
    """The PDF holds something refused; the walk stops at the first one."""


def _without_strings(data: bytes) -> bytes:
    # Innermost first, since literal strings may hold balanced parentheses.
    for _round in range(16):
        stripped = _LITERAL_STRING.sub(b"()", data)
        if stripped == data:
            break
        data = stripped
    return data


def _without_streams(data: bytes) -> bytes:
    # A loop with find() rather than one regex: a file of "stream" markers and no end would make
    # a lazy regex scan to the end from each of them.
    parts, position = [], 0
    while (start := _STREAM_START.search(data, position)) is not None:
        parts.append(data[position : start.start()])
        end = data.find(_STREAM_END, start.end())
        if end < 0:
            return b" ".join(parts)
        position = end + len(_STREAM_END)
    parts.append(data[position:])
    return b" ".join(parts)


def _active_name_in(data: bytes) -> str:
    """The first refused name written in ``data``, stream bodies and text strings (a web address
    ``(https://…/JS/)``, a title) left out; ``""`` when none."""
    data = _without_streams(data)
    # Text strings are taken out only when a name was seen at all: most files have none.
    if _ACTIVE_NAME.search(data) is None:
        return ""
    found = _ACTIVE_NAME.search(_without_strings(data))
    return found.group().decode("latin-1") if found else ""


def _check_action(action: Any, allowed: frozenset[str], depth: int) -> None:
    action = action.get_object() if isinstance(action, IndirectObject) else action
    if isinstance(action, ArrayObject):  # a destination, not an action
        return
    if not isinstance(action, DictionaryObject):
        raise _Refused("action")
    if action.get("/S") not in allowed:
        raise _Refused(str(action.get("/S")))
    if action.get("/S") == "/URI":
        target = action.get("/URI", "")
        target = str(target.get_object() if isinstance(target, IndirectObject) else target)
        if not target.lower().startswith(WEB_SCHEMES):
            # javascript: runs in a browser's viewer; file:// and \\server\ hand the Windows session to a share.
            raise _Refused("URI " + target[:40])
    following = action.get("/Next")
    if following is not None and depth < MAX_PDF_DEPTH:
        for step in following if isinstance(following, ArrayObject) else [following]:
            _check_action(step, allowed, depth + 1)


def _is_action(value: Any) -> bool:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return isinstance(value, DictionaryObject) and "/S" in value


def _check_object(obj: Any, depth: int = 0) -> None:
    """Refuse what ``obj`` holds directly; indirect objects are each checked on their own."""
    if depth > MAX_PDF_DEPTH:
        raise _Refused("depth")
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if key in ACTIVE_KEYS:
                raise _Refused(key)
            if key == "/OpenAction":
                _check_action(value, OPEN_ACTIONS, 0)
            elif key == "/A" and _is_action(value):
                # Outside links and outlines, /A holds a tagged PDF's attributes, never an action.
                _check_action(value, LINK_ACTIONS, 0)
            elif not isinstance(value, IndirectObject):
                _check_object(value, depth + 1)
        if obj.get("/Subtype") in ACTIVE_SUBTYPES or obj.get("/Type") == "/EmbeddedFile":
            raise _Refused(str(obj.get("/Subtype") or obj.get("/Type")))
        if obj.get("/Type") == "/Action":
            _check_action(obj, LINK_ACTIONS, 0)
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
            # Objects packed in a compressed stream: read them as written too.
            name = _active_name_in(obj.get_data())
            if name:
                raise _Refused(name)
    elif isinstance(obj, ArrayObject):
        for item in obj:
            if not isinstance(item, IndirectObject):
                _check_object(item, depth + 1)
    elif isinstance(obj, NameObject) and obj in ("/JavaScript", "/Launch", "/RichMediaExecute"):
        raise _Refused(str(obj))


def _object_numbers(reader: PdfReader) -> list[tuple[int, int]]:
    numbers = [
        (number, generation)
        for generation, entries in reader.xref.items()
        for number in entries
        if number and generation < 65535
    ]
    numbers += [(number, 0) for number in reader.xref_objStm]
    return numbers


def _refusal(message: str, name: str, code: str) -> ValidationError:
    return ValidationError(message % {"name": name}, code=code)


def check_pdf(file: IO[bytes], *, name: str) -> None:
    """Refuse a PDF that does not parse strictly, is encrypted, or holds active content.

    Every object of the file is walked, not only those reachable from the catalog, and the
    names written outside streams and inside object streams are read as a second net.
    """
    file.seek(0)
    data = file.read()
    file.seek(0)
    unreadable = _(
        "Le fichier « %(name)s » n'est pas un PDF lisible : il est peut-être endommagé. Ouvrez-le puis "
        "enregistrez-le de nouveau au format PDF (Imprimer > Enregistrer au format PDF) avant de le déposer."
    )
    active = _(
        "Le fichier « %(name)s » contient du contenu actif (script, action automatique, fichier joint ou "
        "formulaire dynamique), refusé pour la sécurité des postes du CNAM. Enregistrez-le de nouveau au "
        "format PDF (Imprimer > Enregistrer au format PDF) puis déposez-le."
    )
    end = data.rfind(_PDF_END)
    # The cross-reference offset sits just before the end marker; without it the parser would
    # search the whole file backwards, line by line.
    if end < 0 or _START_XREF not in data[max(0, end - 64) : end]:
        raise _refusal(unreadable, name, "pdf_unreadable")
    if data[end + len(_PDF_END) :].strip(_END_PADDING):
        # A ZIP, an HTML page… glued after the PDF: the file is two things at once.
        raise _refusal(
            _(
                "Le fichier « %(name)s » contient d'autres données après la fin du PDF. Enregistrez-le de "
                "nouveau au format PDF (Imprimer > Enregistrer au format PDF) puis déposez-le."
            ),
            name,
            "pdf_trailing_data",
        )
    if _active_name_in(data):
        raise _refusal(active, name, "pdf_active_content")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise _refusal(
                _(
                    "Le fichier « %(name)s » est un PDF protégé (mot de passe ou chiffrement) : le CNAM ne "
                    "peut pas le vérifier. Enregistrez-le sans protection puis déposez-le à nouveau."
                ),
                name,
                "pdf_encrypted",
            )
        numbers = _object_numbers(reader)
        if len(numbers) > MAX_PDF_OBJECTS:
            raise _refusal(unreadable, name, "pdf_too_complex")
        _check_object(reader.trailer)
        for number, generation in numbers:
            _check_object(reader.get_object(IndirectObject(number, generation, reader)))
        if not len(reader.pages):
            raise _refusal(unreadable, name, "pdf_no_page")
    except ValidationError:
        raise
    except _Refused as refused:
        logger.info("PDF %r refused: it holds %s.", name, refused)
        raise _refusal(active, name, "pdf_active_content") from None
    except Exception as error:  # whatever the parser trips on, in a file it cannot read, is a refusal
        logger.info("PDF %r refused: it does not parse (%s).", name, error)
        raise _refusal(unreadable, name, "pdf_unreadable") from None


def check_image(file: IO[bytes], *, name: str, image_format: str) -> None:
    """Refuse an image that Pillow cannot verify and decode in full, or that is too large to decode.

    ``image_format`` is Pillow's name for the format the first bytes announced ("JPEG", "PNG"):
    a file decoded as another format is refused too.
    """
    unreadable = _(
        "L'image « %(name)s » est endommagée ou incomplète. Prenez une nouvelle photo, ou enregistrez-la "
        "de nouveau en JPEG ou PNG, puis déposez-la."
    )
    too_large = _(
        "L'image « %(name)s » compte trop de pixels (%(max)s millions au plus) : réduisez sa taille ou "
        "envoyez-la en PDF."
    ) % {"name": name, "max": MAX_IMAGE_PIXELS // 1_000_000}
    file.seek(0)
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is
    # imported: a half-sent photo would then decode, padded with grey. Each web and worker
    # process checks one upload at a time, so the flag is set back around this check only.
    load_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=[image_format]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(too_large, code="image_too_large")
                image.verify()
            # verify() leaves the image unusable: decode it again, every pixel this time.
            file.seek(0)
            with Image.open(file, formats=[image_format]) as image:
                image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(too_large, code="image_too_large") from None
    except Exception as error:  # Pillow raises many kinds of errors on a broken file
        logger.info("Image %r refused: it does not decode (%s).", name, error)
        raise _refusal(unreadable, name, "image_unreadable") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = load_truncated
        file.seek(0)
