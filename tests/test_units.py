"""Lengths at the edges: whatever the string, a length in points or a UnitError, never a crash."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envelopekit.catalog import lookup
from envelopekit.errors import CatalogError, UnitError
from envelopekit.units import mm, parse_length


@pytest.mark.parametrize("bad", ["1/0mm", "0/0mm", "1 1/0in", "1-1/0in", "3/0pt"])
def test_a_fraction_over_zero_is_a_unit_error(bad: str) -> None:
    with pytest.raises(UnitError, match="divides by zero"):
        parse_length(bad, what="bleed")


@pytest.mark.parametrize("bad", ["9" * 400 + "mm", "9" * 5000 + "mm", "1" + "0" * 400 + ".5pt"])
def test_a_huge_number_is_a_unit_error(bad: str) -> None:
    with pytest.raises(UnitError):
        parse_length(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400])
def test_a_number_that_is_not_finite_is_a_unit_error(bad: float) -> None:
    with pytest.raises(UnitError, match="finite"):
        parse_length(bad, default_unit="mm")


def test_a_size_over_zero_is_a_catalog_error_not_a_crash() -> None:
    with pytest.raises((UnitError, CatalogError)):
        lookup("1/0x1mm", kind="card")


def test_good_lengths_still_read() -> None:
    assert parse_length("1 3/8in") == pytest.approx(99.0)
    assert parse_length("3mm") == pytest.approx(3 * mm)


@given(st.text(max_size=60))
def test_any_text_is_a_length_or_a_unit_error(text: str) -> None:
    try:
        points = parse_length(text)
    except UnitError:
        return
    assert math.isfinite(points)
