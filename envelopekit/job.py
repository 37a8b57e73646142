"""The job ticket (``job.json``): what a build made, for the operator and the print shop.

Pure data in, JSON text out: the layout, the counts, every piece of the kit (kind,
trim size, stock, sides printed), every file with its SHA-256, and how it was
imposed. The batch runner writes it beside the PDFs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .kit import ResolvedKit
from .units import mm

__all__ = ["job_ticket"]


def _piece(piece: Any) -> dict[str, Any]:
    return {
        "piece": piece.key,
        "kind": piece.kind,
        "label": piece.label,
        "trim_mm": [round(piece.width / mm, 2), round(piece.height / mm, 2)],
        "style": piece.net.style if piece.net is not None else None,
        "stock": piece.stock.name if piece.stock is not None else None,
        "gsm": piece.stock.gsm if piece.stock is not None else None,
        "sides": 2 if piece.duplex else 1,
        "level": piece.level,
    }


def job_ticket(
    kit: ResolvedKit,
    *,
    version: str,
    counts: Mapping[str, int],
    files: Sequence[Mapping[str, Any]],
    imposition: Mapping[str, Any] | None,
    proof: bool,
    state: str = "complete",
) -> str:
    """The text of ``job.json``: deterministic (no clock), keys in a fixed order."""
    spec = kit.spec
    data = {
        "envelopekit": version,
        "state": state,  # "complete", or "interrupted": the files listed are all there is so far
        "layout": spec.name,
        "title": spec.title,
        "job": spec.job,
        "output": "proof" if proof else "print",
        "output_condition": spec.output_condition,
        "counts": dict(counts),
        "kit": {
            "pieces": [_piece(p) for p in kit.pieces],
            "thickness_mm": round(kit.thickness / mm, 2),
            "weight_g": round(kit.weight, 1),
        },
        "imposition": dict(imposition) if imposition else None,
        "files": [dict(f) for f in files],
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
