"""compose.personalise: one record's variable drawing, its QR symbols and its errors."""

from __future__ import annotations

import pytest
from conftest import DATA, MINIMAL

from envelopekit import qr
from envelopekit.compose import QROp, personalise
from envelopekit.errors import RecordError
from envelopekit.kit import ResolvedKit, resolve
from envelopekit.layouts import load_layout, parse_layout


def _link(name: str, piece: str, block: str) -> tuple[str, str]:
    return "https://survey.example.org/t?t=ABCDEFGHJKLM", "ABCDEFGHJKLM"


def _minimal(**replacements: str) -> ResolvedKit:
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return resolve(parse_layout(text, file="tiny.toml", base=DATA))


def test_a_url_shown_twice_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """help-me's letter and step 3 card show one survey link: one symbol, shared."""
    calls: list[str] = []
    encode = qr.encode

    def counting(text: str, error: str = "M", **kw: object) -> qr.Symbol:
        calls.append(text)
        return encode(text, error, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(qr, "encode", counting)
    kit = resolve(load_layout("help-me"))
    personal = personalise(kit, kit.spec.sample, record_id="S-1", link=_link)
    assert calls == ["https://survey.example.org/t?t=ABCDEFGHJKLM"]
    ops = [
        op
        for side_a, _ in personal.variable.values()
        for group in side_a
        for op in group.ops
        if isinstance(op, QROp)
    ]
    assert len(ops) == 2 and ops[0].rects is ops[1].rects
    assert ops[0].transform != ops[1].transform, "each block keeps its own size and place"
    assert [link.block for link in personal.links] == ["letter-qr", "card-qr"]


def test_one_faulty_block_keeps_its_message() -> None:
    kit = _minimal(**{'["10mm", "70mm", "80mm", "20mm"]': '["10mm", "70mm", "12mm", "5mm"]'})
    with pytest.raises(RecordError) as info:
        personalise(kit, kit.spec.sample, record_id="S-1", row=7, link=_link)
    err = info.value
    assert (err.record_id, err.row, err.field) == ("S-1", 7, "card.greeting")
    assert str(err).count("does not fit") == 1 and "blocks cannot be drawn" not in str(err)


def test_every_faulty_block_of_a_record_is_reported_at_once() -> None:
    """Two overflowing blocks and an emoji name: one error lists them all, ``field``
    names the first, so the operator fixes the record in one go."""
    kit = _minimal(
        **{
            '["10mm", "70mm", "80mm", "20mm"]': '["10mm", "70mm", "12mm", "5mm"]',
            'box = ["10mm", "10mm", "100mm", "20mm"]\ntext = "For {first_name}"': (
                'box = ["10mm", "10mm", "8mm", "4mm"]\ntext = "For {first_name}"'
            ),
        }
    )
    with pytest.raises(RecordError) as info:
        personalise(kit, kit.spec.sample, record_id="S-1", row=7, link=_link)
    err = info.value
    assert err.field == "card.greeting" and err.record_id == "S-1"
    message = str(err)
    assert "2 blocks cannot be drawn" in message
    assert "card.greeting" in message and "card.for" in message
    assert message.count("does not fit") == 2

    fields = {**kit.spec.sample, "first_name": "😀"}
    kit = _minimal()
    with pytest.raises(RecordError) as info:
        personalise(kit, fields, record_id="S-2", link=_link)
    err = info.value
    assert err.field == "first_name", "the record's field, not the block"
    message = str(err)
    for where in ("outer.recipient", "card.greeting", "card.for"):
        assert where in message
    assert "U+1F600" in message and "emoji" in message
