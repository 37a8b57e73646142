"""A letter fold's tucked-in panel is 2 mm shorter than the two that fold over it, so
the letter folds flat; a half fold stays two equal halves."""

from __future__ import annotations

from itertools import pairwise

import pytest

from envelopekit.kit import FOLD_IN_SHORTER, CardSpec, card_panels, folded_size
from envelopekit.units import mm


@pytest.mark.parametrize(("w", "h"), [(210, 297), (297, 210), (215.9, 279.4)])
def test_the_last_panel_of_a_letter_fold_is_shorter(w: float, h: float) -> None:
    card = CardSpec("letter", w * mm, h * mm, fold="tri")
    panels = card_panels(card)
    landscape = w >= h
    lengths = [p.width if landscape else p.height for p in panels]
    assert lengths[0] == pytest.approx(lengths[1])
    assert lengths[1] - lengths[2] == pytest.approx(FOLD_IN_SHORTER)
    assert pytest.approx(2 * mm) == FOLD_IN_SHORTER
    assert sum(lengths) == pytest.approx(max(w, h) * mm)
    # Panels tile the card in order, left to right or top to bottom, edge to edge.
    if landscape:
        assert panels[0].x0 == 0 and panels[-1].x1 == card.width
        assert all(a.x1 == b.x0 for a, b in pairwise(panels))
    else:
        assert panels[0].y1 == card.height and panels[-1].y0 == 0
        assert all(a.y0 == b.y1 for a, b in pairwise(panels))
    assert max(folded_size(card)) == pytest.approx(max(min(w, h), (max(w, h) + 2) / 3) * mm)


def test_a_half_fold_is_two_equal_halves() -> None:
    a, b = card_panels(CardSpec("card", 148 * mm, 105 * mm, fold="half"))
    assert a.width == pytest.approx(b.width) == pytest.approx(74 * mm)
