"""The USPS Intelligent Mail barcode: fields checked, bars drawn, decoded back from the PDF."""

from __future__ import annotations

import io
import itertools

import pytest

from envelopekit.batch.api import render_kit
from envelopekit.compose import FillOp, personalise
from envelopekit.content import imb
from envelopekit.content.blocks import ImbBlock
from envelopekit.errors import EnvelopekitError, LayoutError, RecordError
from envelopekit.geometry import Rect
from envelopekit.kit import resolve
from envelopekit.layouts import parse_layout
from envelopekit.postal import check
from envelopekit.units import inch

# USPS-B-3200 appendix: barcode id 01, STID 234, mailer id 567094, serial 987654321 with
# no routing, a 5-, a 9- and an 11-digit routing code (reportlab's encoder agrees).
TRACKING = ("01", "234", "567094", "987654321")
REFERENCE = {
    "": "ATTFATTDTTADTAATTDTDTATTDAFDDFADFDFTFFFFFTATFAAAATDFFTDAADFTFDTDT",
    "01234": "DTTAFADDTTFTDTFTFDTDDADADAFADFATDDFTAAAFDTTADFAAATDFDTDFADDDTDFFT",
    "012345678": "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA",
    "01234567891": "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA",
}

# A #10 envelope (9.5 x 4.125 in) laid out by USPS Publication 25, an IMb in the clear zone.
LAYOUT = """
[kit]
name = "imb"

[defaults]
home_country = "US"

[[envelope]]
name = "outer"
size = "#10"

[[envelope.front]]
type = "address"
name = "recipient"
box = ["90mm", "25mm", "100mm", "38mm"]

[[envelope.front]]
type = "imb"
name = "barcode"
{imb}

[[envelope.cards]]
name = "letter"
size = "A7"

[postal]
authority = "{authority}"
"""

FROM_RECORD = """
barcode_id = "{barcode_id}"
service_type = "{stid}"
mailer_id = "{mid}"
serial = "{serial}"
routing = "{postal_code}{dpc}"
"""

ROW = """
barcode_id = "01"
service_type = "234"
mailer_id = "567094"
serial_start = 987654320
"""


def layout(imb_keys: str = ROW, authority: str = "usps") -> str:
    return LAYOUT.format(imb=imb_keys, authority=authority)


def record(**kw: str) -> dict[str, str]:
    base = {
        "id": "R1",
        "first_name": "Ada",
        "last_name": "Byron",
        "street": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "01234-5678",
        "dpc": "91",
        "country": "US",
        "barcode_id": "01",
        "stid": "234",
        "mid": "567094",
        "serial": "987654321",
    }
    return {**base, **kw}


def bars_of(text: str, fields: dict[str, str], row: int | None = 1) -> tuple[FillOp, ...]:
    kit = resolve(parse_layout(text, file="imb.toml"))
    personal = personalise(kit, fields, record_id="R1", row=row)
    side_a, _ = personal.variable["outer"]
    return tuple(op for g in side_a for op in g.ops if isinstance(op, FillOp))


# --- reading the bars back from the PDF ---------------------------------------------------------


def _mul(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def filled_rects(pdf: bytes) -> list[tuple[float, float, float, float, tuple[float, ...]]]:
    """Every rectangle filled on the first page's content stream, in page coordinates
    (x0, y0, x1, y1) with the CMYK fill colour it was painted in."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    ops = ContentStream(page.get_contents(), reader).operations
    ctm: tuple[float, ...] = (1, 0, 0, 1, 0, 0)
    stack: list[tuple[tuple[float, ...], tuple[float, ...]]] = []
    colour: tuple[float, ...] = ()
    pending: list[tuple[float, float, float, float]] = []
    out = []
    for operands, op in ops:
        if op == b"q":
            stack.append((ctm, colour))
        elif op == b"Q":
            ctm, colour = stack.pop()
        elif op == b"cm":
            ctm = _mul(tuple(float(v) for v in operands), ctm)
        elif op == b"k":
            colour = tuple(float(v) for v in operands)
        elif op == b"re":
            x, y, w, h = (float(v) for v in operands)
            pts = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
            a, b, c, d, e, f = ctm
            xs = [a * px + c * py + e for px, py in pts]
            ys = [b * px + d * py + f for px, py in pts]
            pending.append((min(xs), min(ys), max(xs), max(ys)))
        elif op in (b"f", b"f*", b"F"):
            out += [(*r, colour) for r in pending]
            pending = []
        elif op in (b"n", b"S", b"s", b"B", b"b"):  # W (clip) keeps the path for its n
            pending = []
    return out


def decode(pdf: bytes) -> tuple[str, list[tuple[float, float, float, float, tuple[float, ...]]]]:
    """The IMb's letters as read from the bars on the page: each bar classified by where
    its top and bottom lie against the tracker band (the span every bar covers)."""
    bars = [
        r
        for r in filled_rects(pdf)
        if 0.015 * inch <= r[2] - r[0] <= 0.025 * inch and r[3] - r[1] < 0.2 * inch
    ]
    assert len(bars) == 65, f"found {len(bars)} bar-shaped rectangles"
    bars.sort(key=lambda r: r[0])
    t0 = max(r[1] for r in bars)  # the tracker: the span common to all bars
    t1 = min(r[3] for r in bars)
    tol = 0.005 * inch
    letters = []
    for _, y0, _, y1, _ in bars:
        up, down = y1 > t1 + tol, y0 < t0 - tol
        letters.append("F" if up and down else "A" if up else "D" if down else "T")
    return "".join(letters), bars


# --- encoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("routing", list(REFERENCE))
def test_the_usps_reference_encodings(routing: str) -> None:
    assert imb.encode(*TRACKING, routing) == REFERENCE[routing]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("barcode_id", "05", "its second digit must be 0-4"),
        ("barcode_id", "0", "has 1 digits: it is 2 digits, the second 0-4"),
        ("service_type", "27", "has 2 digits: it is 3 digits"),
        ("service_type", "27x", "is not all digits"),
        ("mailer_id", "12345", "has 5 digits: it is 6 or 9 digits"),
        ("mailer_id", "123456789", "a 9-digit mailer id begins with 9"),
        ("mailer_id", "912345", "a 6-digit mailer id never begins with 9"),
        ("routing", "1234", "has 4 digits: it is 0, 5, 9 or 11 digits"),
    ],
)
def test_every_field_is_checked_before_encoding(field: str, value: str, message: str) -> None:
    problem = imb.check_digits(value, field)
    assert problem is not None and message in problem and f"IMb {field}" in problem
    args = dict(zip(("barcode_id", "service_type", "mailer_id", "serial"), TRACKING, strict=True))
    args["routing"] = ""
    args[field] = value
    with pytest.raises(EnvelopekitError, match=field):
        imb.encode(**args)


def test_reportlab_alone_would_encode_a_bad_barcode_id() -> None:
    """The reason for checking first: reportlab draws a barcode id 05 without a word."""
    from reportlab.graphics.barcode.usps4s import USPS_4State

    assert len(USPS_4State("05234567094987654321", "").barcodes) == 65
    with pytest.raises(EnvelopekitError, match="second digit must be 0-4"):
        imb.encode("05", "234", "567094", "987654321", "")


def test_the_serial_fills_15_digits_with_the_mailer_id() -> None:
    with pytest.raises(EnvelopekitError, match="serial '987654321' is not 6 digits"):
        imb.encode("00", "234", "912345678", "987654321", "")
    assert len(imb.encode("00", "234", "912345678", "654321", "")) == 65


# --- drawn and read back from the PDF -----------------------------------------------------------------


def test_decoded_from_the_pdf_matches_the_usps_reference() -> None:
    pdf = render_kit(parse_layout(layout(FROM_RECORD), file="imb.toml"), record())
    letters, bars = decode(pdf)
    assert letters == REFERENCE["01234567891"]
    assert all(r[4] == (0.0, 0.0, 0.0, 1.0) for r in bars), "bars are 100 % K"


@pytest.mark.parametrize(("postcode", "dpc"), [("01234", ""), ("01234-5678", ""), ("01234 5678", "91")])
def test_each_routing_length_decodes(postcode: str, dpc: str) -> None:
    pdf = render_kit(
        parse_layout(layout(FROM_RECORD), file="imb.toml"), record(postal_code=postcode, dpc=dpc)
    )
    assert decode(pdf)[0] == REFERENCE[imb.routing_digits(postcode + dpc)]


def test_bars_have_the_usps_dimensions() -> None:
    """USPS-B-3200: bars 0.015-0.025 in wide, 20-24 per inch, full bars 0.125-0.165 in,
    the tracker 0.039-0.057 in; the barcode 2.667-3.225 in long."""
    _, bars = decode(render_kit(parse_layout(layout(FROM_RECORD), file="imb.toml"), record()))
    widths = [r[2] - r[0] for r in bars]
    assert all(0.015 * inch <= w <= 0.025 * inch for w in widths)
    pitches = [b[0] - a[0] for a, b in itertools.pairwise(bars)]
    assert all(inch / 24 - 1e-6 <= p <= inch / 20 + 1e-6 for p in pitches)
    full = max(r[3] for r in bars) - min(r[1] for r in bars)
    assert 0.125 * inch <= full <= 0.165 * inch
    tracker = min(r[3] for r in bars) - max(r[1] for r in bars)
    assert 0.039 * inch <= tracker <= 0.057 * inch
    assert 2.667 * inch <= bars[-1][2] - bars[0][0] <= 3.225 * inch


def test_a_row_numbered_serial_by_default() -> None:
    """serial = "row": serial_start + the record's row (987654320 + 1 here)."""
    ops = bars_of(layout(ROW), record(postal_code="01234"), row=1)
    tops = {round(op.rect.y1, 3) for op in ops}
    bottoms = {round(op.rect.y0, 3) for op in ops}
    assert len(ops) == 65 and len(tops) == 2 and len(bottoms) == 2
    hi, lo = max(tops), min(bottoms)
    letters = "".join(
        "F"
        if op.rect.y1 > hi - 1e-3 and op.rect.y0 < lo + 1e-3
        else "A"
        if op.rect.y1 > hi - 1e-3
        else "D"
        if op.rect.y0 < lo + 1e-3
        else "T"
        for op in sorted(ops, key=lambda op: op.rect.x0)
    )
    assert letters == REFERENCE["01234"]
    # Another row, another serial: no two records of a file share one.
    other = bars_of(layout(ROW), record(postal_code="01234"), row=2)
    assert [op.rect for op in other] != [op.rect for op in ops]


def test_the_default_box_is_in_the_usps_clear_zone() -> None:
    """DMM 202.5: the leftmost bar 3 1/2 to 4 1/4 in from the right edge, the barcode in
    the bottom 5/8 in of the rightmost 4 3/4 in; no other block may be there."""
    ops = bars_of(layout(ROW), record())
    width = 9.5 * inch
    left = min(op.rect.x0 for op in ops)
    assert 3.5 * inch <= width - left <= 4.25 * inch
    zone = Rect(width - 4.75 * inch, 0, width, 0.625 * inch)
    assert all(zone.contains(op.rect) for op in ops)
    assert min(op.rect.y0 for op in ops) >= 0.125 * inch
    kit = resolve(parse_layout(layout(ROW), file="imb.toml"))
    assert check(kit, "usps") == []


# --- layout and record errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "key", "message"),
    [
        (ROW.replace('"01"', '"05"'), "barcode_id", "second digit must be 0-4"),
        (ROW.replace('"234"', '"23"'), "service_type", "has 2 digits"),
        (ROW.replace('"567094"', '"56709"'), "mailer_id", "has 5 digits"),
        (ROW + 'routing = "1234"\n', "routing", "has 4 digits"),
        (ROW + 'serial = "123456789"\n', "serial", "the same for every record"),
        (ROW.replace("987654320", "1000000000"), "serial_start", "more than 9 digits"),
        (ROW + 'box = ["5in", "0.2in", "2in", "0.2in"]\n', "box", "smaller than the barcode"),
        (ROW.replace('service_type = "234"\n', ""), "service_type", "missing"),
    ],
)
def test_layout_errors_name_the_key(keys: str, key: str, message: str) -> None:
    with pytest.raises(LayoutError) as info:
        parse_layout(layout(keys), file="imb.toml")
    assert message in str(info.value)
    assert key in str(info.value)


def test_without_a_box_only_on_an_envelope_front() -> None:
    text = layout().replace('[[envelope.cards]]\nname = "letter"\nsize = "A7"', "")
    text += '\n[[envelope.cards]]\nname = "letter"\nsize = "A7"\n\n[[envelope.cards.front]]\ntype = "imb"\n'
    text += ROW
    with pytest.raises(LayoutError, match="envelope's front"):
        parse_layout(text, file="imb.toml")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postal_code": "1234", "dpc": ""}, "postal_code", "has 4 digits"),
        ({"postal_code": "", "dpc": ""}, "postal_code", "is empty"),
        ({"barcode_id": "07"}, "barcode_id", "second digit must be 0-4"),
        ({"mid": "12345x"}, "mid", "not all digits"),
        ({"serial": "98765432x"}, "serial", "not all digits"),
        ({"serial": "1234567890"}, "serial", "has 10 digits"),
    ],
)
def test_record_errors_name_the_field(fields: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(RecordError) as info:
        bars_of(layout(FROM_RECORD), record(**fields))
    assert info.value.field == field
    assert message in info.value.message


def test_a_short_serial_is_zero_padded() -> None:
    a = bars_of(layout(FROM_RECORD), record(serial="4521"))
    b = bars_of(layout(FROM_RECORD), record(serial="000004521"))
    assert [op.rect for op in a] == [op.rect for op in b]


def test_non_us_records_skip_the_barcode_or_are_rejected() -> None:
    german = record(country="Germany", postal_code="10115", dpc="")
    assert bars_of(layout(FROM_RECORD), german) == ()
    assert len(bars_of(layout(FROM_RECORD), record(country="", dpc=""))) == 65  # home country US
    assert len(bars_of(layout(FROM_RECORD), record(country="Puerto Rico", postal_code="00901", dpc=""))) == 65
    with pytest.raises(RecordError) as info:
        bars_of(layout(FROM_RECORD + 'non_us = "reject"\n'), german)
    assert info.value.field == "country"
    assert "not served by USPS" in info.value.message


def test_the_records_fields_are_required_columns() -> None:
    spec = parse_layout(layout(FROM_RECORD), file="imb.toml")
    block = next(b for b in spec.outer.front if isinstance(b, ImbBlock))
    assert block.fields == ("barcode_id", "stid", "mid", "serial", "postal_code", "dpc")
    assert next(
        b for b in parse_layout(layout(ROW), file="x").outer.front if isinstance(b, ImbBlock)
    ).fields == ("postal_code",)


# --- postal rules ----------------------------------------------------------------------------------------


def test_an_imb_half_in_the_clear_zone_is_reported() -> None:
    keys = ROW + 'box = ["3in", "0.5in", "3.2in", "0.21in"]\n'
    kit = resolve(
        parse_layout(layout(keys, "usps").replace("\n[postal]", '\n[postal]\ncheck = "warn"'), file="a")
    )
    found = [v.message for v in check(kit, "usps")]
    assert any("IMb block 'barcode' lies partly in the USPS barcode clear zone" in m for m in found)


def test_an_imb_in_another_posts_clear_zone_is_not_allowed() -> None:
    text = layout(ROW, "canada-post").replace("\n[postal]", '\n[postal]\ncheck = "warn"')
    kit = resolve(parse_layout(text, file="imb.toml"))
    found = [v.message for v in check(kit, "canada-post")]
    assert any("block 'barcode'" in m and "Canada Post barcode clear zone" in m for m in found)


def test_a_serial_taken_twice_from_the_records_is_refused() -> None:
    """Row serials are unique by construction; record serials are held per batch."""
    kit = resolve(parse_layout(layout(FROM_RECORD), file="imb.toml"))
    ledger = imb.SerialLedger.of_kit(kit.pieces)
    assert ledger.claim(record(), 2) is None
    assert ledger.claim(record(serial="1"), 3) is None
    again = ledger.claim(record(serial="000000001"), 4)  # zero-padded: the same serial
    assert again is not None and again.field == "serial" and again.row == 4
    assert (
        "IMb serial 000000001 of mailer id 567094 is used twice in this batch (line 3 has it)"
        in again.message
    )
    assert ledger.claim(record(serial="1", mid="567095"), 5) is None  # another mailer id
    assert ledger.claim(record(serial="1", country="Germany"), 6) is None  # no barcode
    row_kit = resolve(parse_layout(layout(ROW), file="imb.toml"))
    assert imb.SerialLedger.of_kit(row_kit.pieces).blocks == ()


def test_a_front_too_small_for_the_default_place_names_the_block() -> None:
    text = (
        layout(ROW)
        .replace('size = "#10"', 'size = "3.8x3in"')
        .replace('box = ["90mm", "25mm", "100mm", "38mm"]', 'box = ["0.5in", "0.8in", "3in", "1in"]')
    )
    text = text.replace('size = "A7"', 'size = "3x2in"').replace("\n[postal]", '\n[postal]\ncheck = "warn"')
    kit = resolve(parse_layout(text, file="imb.toml"))
    with pytest.raises(RecordError, match="has no room for the barcode"):
        personalise(kit, record(), record_id="R1", row=1)
