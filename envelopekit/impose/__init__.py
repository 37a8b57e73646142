"""Sheet planning: which piece goes where on which press sheet, with its marks.

``plan(pieces, sheet, options)`` returns one :class:`SheetPlan` per printed side:
pure data for the renderer, which draws it and decides nothing. Strategies:

- ``gang``: any mix of pieces on as few sheets as a MaxRects packer finds.
- ``step-and-repeat``: one piece size n-up in the best uniform grid.
- ``cut-and-stack``: a batch of records in a fixed grid so that the pile, cut and
  stacked, comes out in record order with each record's pieces together.

Conventions (see ``model`` for the full statement): sheet origin bottom-left of the
portrait sheet, y up; the gripper is the bottom edge unless
``ImposeOptions.gripper_edge`` says otherwise; a side-B plan is in side-B
coordinates looking at side B, flipped about the vertical centre line for
work-and-turn and the horizontal one for work-and-tumble (:func:`back_of`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..catalog import Sheet
from ..errors import ImposeError
from .model import (
    Duplex,
    Edge,
    ImposeOptions,
    Piece,
    Placement,
    SheetPlan,
    Side,
    StackRange,
    Strategy,
)
from .sheet import back_of, check_sizes, finish, flip, frame_for, printable_area
from .strategies import cut_and_stack, gang, step_and_repeat

__all__ = [
    "Duplex",
    "Edge",
    "ImposeOptions",
    "Piece",
    "Placement",
    "SheetPlan",
    "Side",
    "StackRange",
    "Strategy",
    "back_of",
    "flip",
    "plan",
    "printable_area",
]

_STRATEGIES = {"gang": gang, "step-and-repeat": step_and_repeat, "cut-and-stack": cut_and_stack}


def plan(
    pieces: Sequence[Piece], sheet: Sheet, options: ImposeOptions | None = None
) -> tuple[SheetPlan, ...]:
    """Impose ``pieces`` on ``sheet``: side-A plans in print order, each followed by its side B.

    Raises ImposeError for duplicate keys, a piece too big for the sheet (naming
    the smallest catalog sheet it fits), duplex pieces without a duplex mode, and
    step-and-repeat over mixed sizes.
    """
    options = options or ImposeOptions()
    if not pieces:
        return ()
    seen: set[str] = set()
    for p in pieces:
        if p.key in seen:
            raise ImposeError(f"piece key {p.key!r} is used twice", hint="keys must be unique")
        seen.add(p.key)
    if options.duplex is None and any(p.duplex for p in pieces):
        first = next(p.key for p in pieces if p.duplex)
        raise ImposeError(
            f"piece {first!r} has side-B content but the job is single-sided",
            hint="set ImposeOptions(duplex='turn') or 'tumble'",
        )
    frame = frame_for(sheet, pieces, options)
    check_sizes(pieces, sheet, frame, options)
    assert frame is not None
    layouts = _STRATEGIES[options.strategy](pieces, frame, options)
    by_key = {p.key: p for p in pieces}
    out: list[SheetPlan] = []
    for n, layout in enumerate(layouts, 1):
        out += finish(
            frame, layout.placements, by_key, options, number=n, total=len(layouts), stacks=layout.stacks
        )
    return tuple(out)
