"""What tests share that is no model: admin posts, page text, refusals, and the files people upload.

Plain functions and constants rather than fixtures: each takes what the test hands it (a
response, a client, a call), and bench/ and the browser tests import them the same way.
Rows are built by tests/factories.py.
"""

import html
import io
import re
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

# --- The admin ---------------------------------------------------------------------------------

ACTION_CHECKBOX = "_selected_action"


def run_action(client, url: str, action: str, objects, *, follow: bool = False, **data):
    """Post an admin changelist action on ``objects``."""
    return client.post(
        url, {"action": action, ACTION_CHECKBOX: [obj.pk for obj in objects], "index": 0, **data}, follow=follow
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def inline_management(response, overrides: dict | None = None) -> dict:
    """Management-form data of every inline on an admin add/change page, with no row (unless overridden)."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        data[f"{prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, form in enumerate(formset.initial_forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                data[f"{prefix}-{index}-{name}"] = "" if value is None else value
    data.update(overrides or {})
    return data


# --- Pages -------------------------------------------------------------------------------------


def change_form_data(page, **overrides) -> dict:
    """What an admin change form holds as shown (its editable fields and inlines), with ``overrides`` posted instead."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, (list, tuple)):
            value = [getattr(item, "pk", item) for item in value]
        data[name] = "" if value is None else value
    return {**data, **inline_management(page), **overrides}


def visible_text(response, *, field_contents: bool = True) -> str:
    """What a person reads: the page without its markup, scripts, styles and attribute values.

    ``field_contents=False`` also leaves out the options of a select and what a textarea holds,
    which a person reads only on opening them.
    """
    hidden = "script|style" if field_contents else "script|style|select|textarea"
    page = response.content.decode()
    page = re.sub(rf"<({hidden})\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


# --- Refusals ----------------------------------------------------------------------------------


@contextmanager
def refused_by_database():
    """Expect an IntegrityError, inside a savepoint so the test's transaction survives."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def clean_errors(instance, **kwargs) -> dict[str, list[str]]:
    """The messages ``full_clean()`` refuses ``instance`` with, by field."""
    with pytest.raises(ValidationError) as info:
        instance.full_clean(**kwargs)
    return info.value.message_dict


def refused(call, **kwargs) -> str:
    """The message a service refuses ``call(**kwargs)`` with."""
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return " ".join(caught.value.messages)


# --- Accounts ----------------------------------------------------------------------------------


def verified_email(user):
    """Confirm ``user``'s current email, as allauth does once the link in the message is followed."""
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


# --- Files people upload -----------------------------------------------------------------------

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def pdf_bytes(
    *, catalog: bytes = b"", page: bytes = b"", objects=(), padding: int = 0, header: bytes = b"%PDF-1.7\n"
) -> bytes:
    """A one-page PDF that parses strictly, its cross-reference table right.

    ``catalog`` and ``page`` are written into the catalog's and the page's dictionaries, ``objects``
    are numbered from 4 on (the catalog is 1, the page tree 2, the page 3) and ``padding`` bytes of
    comment make the file that much longer.
    """
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page + b" >>",
        *objects,
    ]
    out = bytearray(header)
    if padding:
        out += b"%" + b"0" * (padding - 2) + b"\n" if padding >= 2 else b"\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def image_bytes(image_format: str, size=(8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 0, 145)).save(buffer, image_format)
    return buffer.getvalue()


# Real files, small: uploads are parsed and decoded in full, not only sniffed.
PDF_BYTES = pdf_bytes()
JPEG_BYTES = image_bytes("JPEG")
PNG_BYTES = image_bytes("PNG")


def pdf_upload(name="cv.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def bytes_of(size: int, head: bytes = PDF_BYTES) -> bytes:
    """``size`` bytes that start like a real file of that type (a whole, valid PDF by default)."""
    if head == PDF_BYTES and size >= len(PDF_BYTES):
        return pdf_bytes(padding=size - len(PDF_BYTES))
    return head + b"0" * max(0, size - len(head))


def csv_bytes(rows, *, header="prenom;nom;email;fonction;session", delimiter=";", encoding="utf-8") -> bytes:
    """A staff list as a partner exports it from a spreadsheet."""
    lines = [header.replace(";", delimiter)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, header=("prenom", "nom", "email", "fonction", "session")) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Storage outages ---------------------------------------------------------------------------


@contextmanager
def unwritable_storage(storage, tmp_path):
    """Inside the block, ``storage`` (a file-system storage) has a file where its folder should be.

    Every save fails, even for root (who ignores permissions); on leaving, the real folder is back.
    """
    if not hasattr(storage, "_location"):
        pytest.skip("the private storage is not on the local disk")
    blocker = tmp_path / "stockage-indisponible"
    blocker.write_bytes(b"")
    saved = {
        key: storage.__dict__[key] for key in ("_location", "base_location", "location") if key in storage.__dict__
    }
    storage.__dict__.pop("base_location", None)
    storage.__dict__.pop("location", None)
    storage._location = str(blocker)
    try:
        yield storage
    finally:
        storage.__dict__.pop("base_location", None)
        storage.__dict__.pop("location", None)
        storage.__dict__.update(saved)


def task_callbacks(callbacks) -> list:
    """The on-commit callbacks that hand work to Celery (core.outbox), not the fragments' freshness bumps."""
    from functools import partial

    from core import outbox

    return [callback for callback in callbacks if isinstance(callback, partial) and callback.func is outbox._enqueue]
