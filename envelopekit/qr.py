"""QR symbols for survey links: qrcode's data encoding, our own fast mask choice.

qrcode (python-qrcode) decides the segments (its own data optimisation, so an
uppercase URL keeps its alphanumeric runs), the capacity and RS block tables,
the GF(256) tables, alignment positions, mask functions and format/version BCH
codes. What qrcode does per symbol in pure-Python loops is redone on Python
ints: bit packing and Reed-Solomon division (its BitBuffer and Polynomial cost
more than everything else here together), and the matrix: built once with its
data bits placed, each of the eight masks one XOR with a cached bit-plane (mask
bits plus that mask's format bits), the ISO/IEC 18004 penalty a few dozen
big-int operations and ``int.bit_count()`` calls. The tests hold every matrix
equal to qrcode's for the same mask; ``benchmarks/qr.py`` prints the speed.

Penalty convention (ISO/IEC 18004:2015, 7.8.3), evaluated on the complete symbol
as it will print: function patterns, the format information of the mask being
tried, the version information and the dark module included; nothing outside
the symbol (the quiet zone is not counted). This is stricter than qrcode, which
scores masks with the format and version areas left light.

- N1: a row or column run of ``5 + i`` same-coloured modules scores ``3 + i``.
- N2: every 2x2 block of one colour scores 3 (overlapping blocks all count).
- N3: every 11-module window inside a row or column reading ``10111010000`` or
  ``00001011101`` scores 40 (so ``0000 1011101 0000`` scores 80).
- N4: ``10 * k`` with ``k = floor(|100 * dark / total - 50| / 5)``, in exact
  integer arithmetic.

The lowest total wins; ties go to the lowest mask number.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from types import MappingProxyType

from qrcode import base, constants, util

from .errors import QRError

__all__ = ["ERROR_LEVELS", "Symbol", "encode", "penalty"]

#: Error correction levels by letter, as qrcode's constants (also the format indicator bits).
ERROR_LEVELS: Mapping[str, int] = MappingProxyType(
    {
        "L": constants.ERROR_CORRECT_L,
        "M": constants.ERROR_CORRECT_M,
        "Q": constants.ERROR_CORRECT_Q,
        "H": constants.ERROR_CORRECT_H,
    }
)

_OPTIMIZE = 20  # qrcode's QRCode.add_data default: shortest run worth its own segment
_PAD = b"\xec\x11" * 1500  # pad codewords; v40-L holds 2956 data codewords
_ALNUM = {ch: i for i, ch in enumerate(util.ALPHA_NUM)}
_BITS = bytes.maketrans(b"01", b"\x00\x01")  # a '0'/'1' string's bytes -> 0/1 values
# Length-field widths by version class (1-9, 10-26, 27-40).
_LENGTH_BITS = (util.MODE_SIZE_SMALL, util.MODE_SIZE_MEDIUM, util.MODE_SIZE_LARGE)

ModuleRect = tuple[int, int, int, int]  # x, y (down from the top row), w, h in modules
Modules = tuple[tuple[bool, ...], ...]


@dataclass(frozen=True, slots=True)
class Symbol:
    """One QR symbol: the module matrix (no quiet zone) and how it was made.

    ``bits`` is the matrix as one int in gap layout (row by row, most significant
    first, each row followed by one light gap module; see ``_pack``); ``modules``
    unpacks it on first use (a renderer needs only :meth:`rects`)."""

    text: str
    version: int
    error: str
    mask: int
    bits: int = field(repr=False)
    _modules: Modules | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def size(self) -> int:
        """Modules per side (21 for version 1, +4 per version)."""
        return 4 * self.version + 17

    @property
    def modules(self) -> Modules:
        """Rows of the matrix, top first; True is dark."""
        modules = self._modules
        if modules is None:
            modules = _to_modules(self.bits, self.size)
            object.__setattr__(self, "_modules", modules)
        return modules

    def rects(self) -> list[ModuleRect]:
        """The dark area as few rectangles ``(x, y, w, h)`` in modules, y down from the top row.

        Runs in a row are merged, and identical runs in consecutive rows stack into
        one rectangle, so a renderer can fill a single compact path with no seams.
        Sorted by top row, then x.
        """
        return _rects(self.bits, self.size)

    def module_size_for(self, side_pt: float, quiet: int = 4) -> float:
        """Points per module when the symbol and its quiet zone fill a square of ``side_pt``."""
        if side_pt <= 0 or quiet < 0:
            raise QRError(
                f"cannot fit a QR symbol in a side of {side_pt} pt with a quiet zone of {quiet}",
                hint="give a positive side and a quiet zone of 0 or more modules",
            )
        return side_pt / (self.size + 2 * quiet)

    def min_side(self, module_pt: float, quiet: int = 4) -> float:
        """Side in points of the square the symbol and its quiet zone need at ``module_pt``."""
        if module_pt <= 0 or quiet < 0:
            raise QRError(
                f"module size {module_pt} pt with a quiet zone of {quiet} is not drawable",
                hint="give a positive module size and a quiet zone of 0 or more modules",
            )
        return module_pt * (self.size + 2 * quiet)


def encode(
    text: str,
    error: str = "M",
    *,
    version: int | None = None,
    min_version: int = 1,
    mask: int | None = None,
) -> Symbol:
    """Encode ``text`` (UTF-8 where not numeric/alphanumeric) as a QR symbol.

    ``version`` fixes the size; otherwise the smallest version from ``min_version``
    that holds the data is used (keeping a batch's codes one size). ``mask`` forces
    a mask pattern, for reproducing a symbol; by default the ISO penalty picks it.
    """
    level = ERROR_LEVELS.get(error) if isinstance(error, str) else None
    if level is None:
        raise QRError(f"unknown error correction level {error!r}", hint="use 'L', 'M', 'Q' or 'H'")
    for name, value in (("version", version), ("min_version", min_version)):
        if value is not None and not 1 <= value <= 40:
            raise QRError(f"{name} {value} is not a QR version", hint="versions run from 1 to 40")
    if mask is not None and not 0 <= mask <= 7:
        raise QRError(f"mask {mask} is not a QR mask pattern", hint="masks run from 0 to 7")
    try:
        segments = list(util.optimal_data_chunks(text, minimum=_OPTIMIZE))
    except UnicodeEncodeError as exc:
        raise QRError(f"text cannot be encoded as UTF-8: {exc.reason}") from None

    v = _choose_version(segments, level, error, version, min_version)
    layout = _layout(v, level)
    src = _codeword_bits(segments, v, layout)
    rows = int("".join(layout.row_cells(src)), 2)
    if mask is None:
        cols = int("".join(layout.col_cells(src)), 2)
        n, valid, blocks = layout.grid.n, layout.grid.valid, layout.grid.blocks
        planes = zip(layout.row_planes, layout.col_planes, strict=True)
        scores = [_score(rows ^ rp, cols ^ cp, n, valid, blocks) for rp, cp in planes]
        mask = scores.index(min(scores))  # ties go to the lowest mask number
    return Symbol(text, v, error, mask, rows ^ layout.row_planes[mask])


def penalty(modules: Sequence[Sequence[bool]]) -> int:
    """The ISO penalty of any square matrix (see the module docstring for the convention)."""
    n = len(modules)
    if n == 0 or any(len(row) != n for row in modules):
        raise QRError("a penalty needs a non-empty square matrix")
    valid, blocks = _line_masks(n)
    return _score(_pack(modules), _pack(zip(*modules, strict=True)), n, valid, blocks)


# --- the penalty, on whole matrices -------------------------------------------------------
#
# A matrix of side n is one int: row r, column c is character r * (n + 1) + c of its
# binary string (most significant first), each row followed by a gap bit that is 0 in
# both the dark and the light plane, so no run or window found by shifting can cross
# from one row into the next. Columns use the same layout, transposed.


def _pack(lines: Iterable[Iterable[bool]]) -> int:
    return int("".join("".join("1" if b else "0" for b in line) + "0" for line in lines), 2)


@cache
def _line_masks(n: int) -> tuple[int, int]:
    """``valid`` marks real modules; ``blocks`` marks top-left corners of 2x2 blocks."""
    row = "1" * n + "0"
    valid = int(row * n, 2)
    blocks = int(("1" * (n - 1) + "00") * (n - 1) + "0" * (n + 1), 2) if n > 1 else 0
    return valid, blocks


def _line_score(dark: int, valid: int) -> int:
    """N1 + N3 of every line of a matrix in gap layout."""
    light = ~dark & valid
    score = 0
    for x in (dark, light):
        x2 = x & (x >> 1)
        x5 = x2 & (x2 >> 2) & (x >> 4)  # a bit per window of 5 equal modules
        # A run of k >= 5 has k - 4 windows and scores k - 2: windows + 2 per run.
        score += x5.bit_count() + 2 * (x5 & ~(x5 << 1)).bit_count()
    finder = dark & (light >> 1) & (dark >> 2) & (dark >> 3) & (dark >> 4) & (light >> 5)
    finder &= dark >> 6
    l2 = light & (light >> 1)
    l4 = l2 & (l2 >> 2)
    count = (finder & (l4 >> 7)).bit_count() + (l4 & (finder >> 4)).bit_count()
    return score + 40 * count


def _score(rows: int, cols: int, n: int, valid: int, blocks: int) -> int:
    """Total ISO penalty of one matrix given as row and column layouts."""
    stride = n + 1
    same_below = ~(rows ^ (rows << stride))
    same_right = ~(rows ^ (rows << 1))
    n2 = 3 * (same_below & (same_below << 1) & same_right & blocks).bit_count()
    total = n * n
    n4 = 10 * (abs(20 * rows.bit_count() - 10 * total) // total)
    return _line_score(rows, valid) + _line_score(cols, valid) + n2 + n4


def _to_modules(rows: int, n: int) -> Modules:
    stride = n + 1
    bits = format(rows, f"0{n * stride}b").encode("ascii").translate(_BITS)
    return tuple(tuple(map(bool, bits[i : i + n])) for i in range(0, n * stride, stride))


def _rects(rows: int, n: int) -> list[ModuleRect]:
    """Rectangles of a matrix in gap layout: runs found with big-int shifts, a run stacked
    onto the identical run in the row above it (see ``Symbol.rects``)."""
    stride = n + 1
    width = f"0{n * stride}b"
    # First and last module of every dark run (the gap bits keep runs inside their row).
    firsts = format(rows & ~(rows >> 1), width).encode("ascii").translate(_BITS)
    lasts = format(rows & ~(rows << 1), width).encode("ascii").translate(_BITS)
    runs = dict(
        zip(
            itertools.compress(itertools.count(), firsts),
            itertools.compress(itertools.count(), lasts),
            strict=True,
        )
    )
    out: list[ModuleRect] = []
    for first, last in runs.items():
        if runs.get(first - stride) == last - stride:
            continue  # part of the rectangle begun in a row above
        h, below, end = 1, first + stride, last + stride
        while runs.get(below) == end:
            h, below, end = h + 1, below + stride, end + stride
        y, x = divmod(first, stride)
        out.append((x, y, last - first + 1, h))
    return out


# --- data codewords -----------------------------------------------------------------------


def _payload_bits(mode: int, k: int) -> int:
    if mode == util.MODE_NUMBER:
        return 10 * (k // 3) + (0, 4, 7)[k % 3]
    if mode == util.MODE_ALPHA_NUM:
        return 11 * (k // 2) + 6 * (k % 2)
    return 8 * k


def _data_bits(segments: Sequence[util.QRData], size_class: int) -> int:
    """Bits of all segments (mode, length field, payload) at one length-field class."""
    widths = _LENGTH_BITS[size_class]
    return sum(4 + widths[s.mode] + _payload_bits(s.mode, len(s.data)) for s in segments)


def _size_class(version: int) -> int:
    return 0 if version < 10 else 1 if version < 27 else 2


def _choose_version(
    segments: Sequence[util.QRData], level: int, error: str, version: int | None, min_version: int
) -> int:
    """The fixed version if the data fits it, else the smallest one from ``min_version``."""
    need = [_data_bits(segments, c) for c in range(3)]
    limits = util.BIT_LIMIT_TABLE[level]
    if version is not None:
        if version < min_version:
            raise QRError(f"version {version} is below min_version {min_version}")
        if need[_size_class(version)] > limits[version]:
            raise QRError(
                f"text needs {need[_size_class(version)]} data bits but a version {version} "
                f"symbol at level {error} holds {limits[version]}",
                hint="use a larger version, a lower error level, or version=None to fit",
            )
        return version
    for v in range(min_version, 41):
        if need[_size_class(v)] <= limits[v]:
            return v
    raise QRError(
        f"text is too long for a QR code: it needs {need[2]} data bits and the largest "
        f"symbol (version 40) at level {error} holds {limits[40]}",
        hint="shorten the text or use a lower error correction level",
    )


def _codeword_bits(segments: Sequence[util.QRData], version: int, layout: _Layout) -> str:
    """Data then EC codewords, block by block (not interleaved), as a '0'/'1' string.

    The layout's cell maps do the interleaving; the string ends with "01" so that
    fixed light and dark cells can be read from it too.
    """
    widths = _LENGTH_BITS[_size_class(version)]
    acc = nbits = 0
    for seg in segments:
        data, mode, k = seg.data, seg.mode, len(seg.data)
        acc = (acc << 4 | mode) << widths[mode] | k
        nbits += 4 + widths[mode] + _payload_bits(mode, k)
        if mode == util.MODE_NUMBER:
            for i in range(0, k - 2, 3):
                acc = acc << 10 | int(data[i : i + 3])
            if k % 3:
                width = 3 * (k % 3) + 1
                acc = acc << width | int(data[k - k % 3 :])
        elif mode == util.MODE_ALPHA_NUM:
            for i in range(0, k - 1, 2):
                acc = acc << 11 | (_ALNUM[data[i]] * 45 + _ALNUM[data[i + 1]])
            if k % 2:
                acc = acc << 6 | _ALNUM[data[-1]]
        else:
            acc = acc << 8 * k | int.from_bytes(data, "big")
    # Terminator (up to four zeros), zeros to a byte boundary, then alternating pad bytes.
    capacity, written = layout.data_count * 8, nbits
    nbits += min(capacity - nbits, 4)
    nbits += -nbits % 8
    used = nbits // 8
    data_bytes = (acc << (nbits - written)).to_bytes(used, "big")
    data_bytes += _PAD[: layout.data_count - used]
    acc = int.from_bytes(data_bytes, "big")
    offset = 0
    for count, ec_count in layout.blocks:
        acc = acc << 8 * ec_count | _rs_remainder(data_bytes[offset : offset + count], ec_count)
        offset += count
    return format(acc, f"0{8 * layout.grid.codewords}b") + "01"


@cache
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte f, f times the generator polynomial (less its leading 1) as an int."""
    exp, log = base.EXP_TABLE, base.LOG_TABLE
    gen = [1]
    for i in range(ec_count):  # multiply by (x - a^i)
        nxt = [*gen, 0]
        for j, coef in enumerate(gen):
            if coef:
                nxt[j + 1] ^= exp[(log[coef] + i) % 255]
        gen = nxt
    table = [0]
    for f in range(1, 256):
        prods = bytes(exp[(log[f] + log[g]) % 255] if g else 0 for g in gen[1:])
        table.append(int.from_bytes(prods, "big"))
    return tuple(table)


def _rs_remainder(block: bytes, ec_count: int) -> int:
    """Reed-Solomon EC codewords of one block, as an int of ``ec_count`` bytes (LFSR division)."""
    table = _rs_table(ec_count)
    top = 8 * (ec_count - 1)
    full = (1 << 8 * ec_count) - 1
    rem = 0
    for byte in block:
        rem = ((rem << 8) & full) ^ table[(rem >> top) ^ byte]
    return rem


# --- what depends only on the version, and on version and level -------------------------


@dataclass(frozen=True, slots=True)
class _Grid:
    """Function patterns and data placement of one version.

    ``row_cells``/``col_cells`` give, for every character of the row (column) layout
    string, a data bit number (>= 0), ``_LIGHT`` or ``_DARK``; ``format_cells[i]`` are
    the two modules of format bit i; ``data_modules`` are where masks apply.
    """

    n: int
    codewords: int
    valid: int
    blocks: int
    row_cells: tuple[int, ...]
    col_cells: tuple[int, ...]
    format_cells: tuple[tuple[tuple[int, int], ...], ...]
    data_modules: tuple[tuple[int, int], ...]


_LIGHT, _DARK = -1, -2


@cache
def _grid(version: int) -> _Grid:
    n = 4 * version + 17
    cell: list[list[int | None]] = [[None] * n for _ in range(n)]  # None: data
    for r0, c0 in ((0, 0), (n - 7, 0), (0, n - 7)):  # finders with separators
        for r in range(max(r0 - 1, 0), min(r0 + 8, n)):
            for c in range(max(c0 - 1, 0), min(c0 + 8, n)):
                dr, dc = r - r0, c - c0
                ring = max(abs(dr - 3), abs(dc - 3))
                cell[r][c] = _DARK if ring in (0, 1, 3) else _LIGHT
    centres = util.pattern_position(version)
    for r0 in centres:
        for c0 in centres:
            if cell[r0][c0] is not None:  # would overlap a finder
                continue
            for r in range(r0 - 2, r0 + 3):
                for c in range(c0 - 2, c0 + 3):
                    cell[r][c] = _DARK if max(abs(r - r0), abs(c - c0)) != 1 else _LIGHT
    for i in range(8, n - 8):  # timing
        for r, c in ((i, 6), (6, i)):
            if cell[r][c] is None:
                cell[r][c] = _DARK if i % 2 == 0 else _LIGHT
    format_cells = []
    for i in range(15):  # vertical copy, then horizontal copy of bit i (qrcode's placement)
        vert = (i, 8) if i < 6 else (i + 1, 8) if i < 8 else (n - 15 + i, 8)
        horiz = (8, n - 1 - i) if i < 8 else (8, 15 - i) if i == 8 else (8, 14 - i)
        format_cells.append((vert, horiz))
        for r, c in (vert, horiz):
            cell[r][c] = _LIGHT
    cell[n - 8][8] = _DARK
    if version >= 7:
        bits = util.BCH_type_number(version)
        for i in range(18):
            value = _DARK if bits >> i & 1 else _LIGHT
            cell[i // 3][i % 3 + n - 11] = value
            cell[i % 3 + n - 11][i // 3] = value
    # Data placement: two-column strips from the right, zig-zagging, skipping column 6.
    data_modules = []
    upward = True
    for right in range(n - 1, 0, -2):
        if right <= 6:
            right -= 1
        for r in range(n - 1, -1, -1) if upward else range(n):
            for c in (right, right - 1):
                if cell[r][c] is None:
                    data_modules.append((r, c))
        upward = not upward
    codewords = len(data_modules) // 8
    bit_of = {rc: t if t < 8 * codewords else _LIGHT for t, rc in enumerate(data_modules)}

    def cells(order: Callable[[int, int], tuple[int, int]]) -> tuple[int, ...]:
        out: list[int] = []
        for a in range(n):
            for b in range(n):
                r, c = order(a, b)
                known = cell[r][c]
                out.append(bit_of[(r, c)] if known is None else known)
            out.append(_LIGHT)
        return tuple(out)

    valid, blocks = _line_masks(n)
    return _Grid(
        n=n,
        codewords=codewords,
        valid=valid,
        blocks=blocks,
        row_cells=cells(lambda a, b: (a, b)),
        col_cells=cells(lambda a, b: (b, a)),
        format_cells=tuple(format_cells),
        data_modules=tuple(data_modules),
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    """Per version and level: RS blocks, interleaving folded into the cell readers, and
    one XOR plane per mask (mask bits on data modules plus that mask's format bits)."""

    grid: _Grid
    data_count: int
    blocks: tuple[tuple[int, int], ...]
    row_cells: Callable[[str], tuple[str, ...]]
    col_cells: Callable[[str], tuple[str, ...]]
    row_planes: tuple[int, ...]
    col_planes: tuple[int, ...]


@cache
def _layout(version: int, level: int) -> _Layout:
    grid = _grid(version)
    n, stride = grid.n, grid.n + 1
    blocks = tuple((b.data_count, b.total_count - b.data_count) for b in base.rs_blocks(version, level))
    data_count = sum(d for d, _ in blocks)
    # Interleaved codeword i comes from codeword source[i] of the block-by-block string.
    data_starts, ec_starts = [], []
    d_off, e_off = 0, data_count
    for d, e in blocks:
        data_starts.append(d_off)
        ec_starts.append(e_off)
        d_off, e_off = d_off + d, e_off + e
    source = [
        data_starts[j] + i
        for i in range(max(d for d, _ in blocks))
        for j, (d, _) in enumerate(blocks)
        if i < d
    ]
    source += [ec_starts[j] + i for i in range(blocks[0][1]) for j in range(len(blocks))]
    light, dark = 8 * grid.codewords, 8 * grid.codewords + 1

    def reader(cells: tuple[int, ...]) -> Callable[[str], tuple[str, ...]]:
        index = [8 * source[t >> 3] + (t & 7) if t >= 0 else light if t == _LIGHT else dark for t in cells]
        return itemgetter(*index)

    def plane(modules: list[tuple[int, int]], transpose: bool) -> int:
        chars = ["0"] * (n * stride)
        for r, c in modules:
            chars[c * stride + r if transpose else r * stride + c] = "1"
        return int("".join(chars), 2)

    row_planes, col_planes = [], []
    for m in range(8):
        test = util.mask_func(m)
        on = [(r, c) for r, c in grid.data_modules if test(r, c)]
        fmt = util.BCH_type_info(level << 3 | m)
        on += [rc for i in range(15) if fmt >> i & 1 for rc in grid.format_cells[i]]
        row_planes.append(plane(on, False))
        col_planes.append(plane(on, True))
    return _Layout(
        grid=grid,
        data_count=data_count,
        blocks=blocks,
        row_cells=reader(grid.row_cells),
        col_cells=reader(grid.col_cells),
        row_planes=tuple(row_planes),
        col_planes=tuple(col_planes),
    )
