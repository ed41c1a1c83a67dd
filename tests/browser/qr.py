"""Read a QR code from a screenshot, as a phone's camera app would, to open what it encodes.

The portal's QR codes are drawn crisp on a light quiet zone (segno's SVG), so the reader needs
no error correction: it finds the symbol in the picture, samples the centre of each module,
reads the format information (the nearest of its 32 valid codewords), removes the mask, puts
the data codewords of the blocks back in order and decodes the segments (numeric,
alphanumeric, byte, ECI). The block sizes and alignment positions are the standard's tables,
as segno carries them.
"""

import io

from PIL import Image
from segno import consts

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_FORMAT_MASK = 0x5412
_MASKS = (
    lambda row, col: (row + col) % 2 == 0,
    lambda row, col: row % 2 == 0,
    lambda row, col: col % 3 == 0,
    lambda row, col: (row + col) % 3 == 0,
    lambda row, col: (row // 2 + col // 3) % 2 == 0,
    lambda row, col: row * col % 2 + row * col % 3 == 0,
    lambda row, col: (row * col % 2 + row * col % 3) % 2 == 0,
    lambda row, col: ((row + col) % 2 + row * col % 3) % 2 == 0,
)


def read_qr(png: bytes) -> str:
    """The text the QR code in the picture ``png`` encodes."""
    return decode(modules_of_image(Image.open(io.BytesIO(png))))


def modules_of_image(image: Image.Image) -> list[list[bool]]:
    """The symbol's modules (True: dark), row by row, sampled at their centres."""
    grey = image.convert("L")
    width, height = grey.size
    pixels = grey.load()

    def dark(x: int, y: int) -> bool:
        return pixels[x, y] < 128

    rows = [y for y in range(height) if any(dark(x, y) for x in range(width))]
    cols = [x for x in range(width) if any(dark(x, y) for y in range(height))]
    if not rows or not cols:
        raise ValueError("No QR code in the picture.")
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    # The top-left finder pattern's outer ring is 7 modules wide.
    run = 0
    while left + run < right and dark(left + run, top):
        run += 1
    size = round((right - left) / (run / 7))
    if size < 21 or (size - 17) % 4:
        raise ValueError(f"The picture's symbol is {size} modules wide: not a QR code.")
    step_x, step_y = (right - left) / size, (bottom - top) / size
    return [
        [dark(int(left + (col + 0.5) * step_x), int(top + (row + 0.5) * step_y)) for col in range(size)]
        for row in range(size)
    ]


def _bch_format(data: int) -> int:
    remainder = data << 10
    for shift in range(4, -1, -1):
        if remainder & (1 << (shift + 10)):
            remainder ^= 0x537 << shift
    return ((data << 10) | remainder) ^ _FORMAT_MASK


def _format_of(modules: list[list[bool]]) -> tuple[int, int]:
    """The error correction level (segno's constant) and the mask of the symbol."""
    bit = [False] * 15
    for i in range(6):
        bit[i] = modules[i][8]
    bit[6], bit[7], bit[8] = modules[7][8], modules[8][8], modules[8][7]
    for i in range(9, 15):
        bit[i] = modules[8][14 - i]
    read = sum(1 << i for i, on in enumerate(bit) if on)
    data = min(range(32), key=lambda candidate: bin(_bch_format(candidate) ^ read).count("1"))
    return data >> 3, data & 7


def _function_modules(size: int, version: int) -> list[list[bool]]:
    """Where the finder, timing and alignment patterns, the format and version information lie."""
    taken = [[False] * size for _ in range(size)]

    def take(rows, cols):
        for row in rows:
            for col in cols:
                taken[row][col] = True

    take(range(9), range(9))
    take(range(9), range(size - 8, size))
    take(range(size - 8, size), range(9))
    take([6], range(size))
    take(range(size), [6])
    # segno's table starts at version 2 (version 1 has no alignment pattern).
    positions = consts.ALIGNMENT_POS[version - 2] if version >= 2 else ()
    corners = (
        {(positions[0], positions[0]), (positions[0], positions[-1]), (positions[-1], positions[0])}
        if positions
        else set()
    )
    for row in positions:
        for col in positions:
            if (row, col) not in corners:
                take(range(row - 2, row + 3), range(col - 2, col + 3))
    if version >= 7:
        take(range(6), range(size - 11, size - 8))
        take(range(size - 11, size - 8), range(6))
    return taken


def _codewords(modules: list[list[bool]], version: int, mask: int) -> list[int]:
    size = len(modules)
    taken = _function_modules(size, version)
    bits = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vertical in range(size):
            row = size - 1 - vertical if upward else vertical
            for col in (right, right - 1):
                if not taken[row][col]:
                    bits.append(modules[row][col] ^ _MASKS[mask](row, col))
        right -= 2
    return [int("".join("1" if on else "0" for on in bits[i : i + 8]), 2) for i in range(0, len(bits) - 7, 8)]


def _data_codewords(codewords: list[int], version: int, level: int) -> list[int]:
    lengths = [group.num_data for group in consts.ECC[version][level] for _ in range(group.num_blocks)]
    blocks: list[list[int]] = [[] for _ in lengths]
    position = 0
    for index in range(max(lengths)):
        for block, length in zip(blocks, lengths, strict=True):
            if index < length:
                block.append(codewords[position])
                position += 1
    return [codeword for block in blocks for codeword in block]


class _Bits:
    def __init__(self, data: list[int]):
        self.bits = "".join(f"{byte:08b}" for byte in data)
        self.position = 0

    def left(self) -> int:
        return len(self.bits) - self.position

    def take(self, count: int) -> int:
        value = int(self.bits[self.position : self.position + count] or "0", 2)
        self.position += count
        return value


def _count_length(mode: int, version: int) -> int:
    group = 0 if version <= 9 else 1 if version <= 26 else 2
    return {consts.MODE_NUMERIC: (10, 12, 14), consts.MODE_ALPHANUMERIC: (9, 11, 13), consts.MODE_BYTE: (8, 16, 16)}[
        mode
    ][group]


def decode(modules: list[list[bool]]) -> str:
    """The text of a QR code given as its modules (True: dark)."""
    size = len(modules)
    version = (size - 17) // 4
    level, mask = _format_of(modules)
    data = _data_codewords(_codewords(modules, version, mask), version, level)
    bits = _Bits(data)
    text = bytearray()
    encoding = consts.DEFAULT_BYTE_ENCODING
    while bits.left() >= 4:
        mode = bits.take(4)
        if mode == 0:
            break
        if mode == consts.MODE_ECI:
            designator = bits.take(8)
            encoding = "utf-8" if designator == 26 else encoding
            continue
        count = bits.take(_count_length(mode, version))
        if mode == consts.MODE_BYTE:
            text += bytes(bits.take(8) for _ in range(count))
        elif mode == consts.MODE_ALPHANUMERIC:
            for _ in range(count // 2):
                pair = bits.take(11)
                text += (_ALPHANUMERIC[pair // 45] + _ALPHANUMERIC[pair % 45]).encode()
            if count % 2:
                text += _ALPHANUMERIC[bits.take(6)].encode()
        elif mode == consts.MODE_NUMERIC:
            for start in range(0, count, 3):
                digits = min(3, count - start)
                text += f"{bits.take({3: 10, 2: 7, 1: 4}[digits]):0{digits}d}".encode()
        else:
            raise ValueError(f"Unsupported QR code segment mode {mode}.")
    return text.decode(encoding)
