"""The QR code reader the browser test scans the trainer's sheet with (tests/browser/qr.py) reads
what segno, which draws the sheet's codes, writes."""

import io
import random
import string

import pytest
import segno
from PIL import Image

from tests.browser.qr import decode, read_qr

SIGN_URL = "http://127.0.0.1:45123/emargement/12-59234567-AbCdEfGhIjKlMnOpQrStUv/"


@pytest.mark.parametrize("error", ["l", "m", "q", "h"])
def test_every_version_and_mask_reads_back(error):
    chooser = random.Random(error)
    alphabet = string.ascii_letters + string.digits + "/:-_.?=&"
    masks = set()
    # Every size up to the sign URLs' and past them: version information (7+), longer counts (10+).
    for version in [*range(1, 13), 27, 40]:
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, (4 * version + 17) ** 2 // 16)))
        while True:
            try:
                qr = segno.make(text, error=error, version=version, boost_error=False)
                break
            except segno.DataOverflowError:
                text = text[: len(text) // 2]
        masks.add(qr.mask)
        assert decode([[bool(module) for module in row] for row in qr.matrix]) == text, (version, qr.mask)
    assert len(masks) >= 4


@pytest.mark.parametrize("text", ["0123456789012", "CNAM MAYOTTE 976", "Émargement à Kawéni"])
def test_numeric_alphanumeric_and_byte_segments(text):
    qr = segno.make(text, micro=False)
    assert decode([[bool(module) for module in row] for row in qr.matrix]) == text


def test_a_picture_scaled_by_a_fractional_factor_reads_back():
    qr = segno.make(SIGN_URL, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=7, border=4)
    # The size the sheet's CSS may give it on a phone: modules of 7.4 pixels, blurred edges.
    picture = Image.open(io.BytesIO(png.getvalue())).resize((333, 333), Image.BILINEAR)
    scaled = io.BytesIO()
    picture.save(scaled, format="PNG")
    assert read_qr(scaled.getvalue()) == SIGN_URL
