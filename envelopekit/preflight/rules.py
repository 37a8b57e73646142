"""The rules: what a prepress operator rejects (PRINT.md), one check each.

A rule is a function over the document (``scope="document"``) or over one page's
events (``scope="page"``, see :mod:`.events`) that yields findings. A profile says
what the PDF/X flavour allows (PDF version, colour spaces, transparency, where the
version is identified, whether the output intent must embed a profile); each rule
names the profiles it applies to, so a profile's own rules (X-4's processing-step
layers, say) slot in beside the others.

Numbers are defaults, not laws (see :class:`Limits`): bleed 3 mm, lines from
0.25 pt, marks up to 0.5 pt, 300 % total ink, 300 ppi images (150 ppi an error),
QR modules of 0.5 mm (0.4 mm an error), a 3 mm safe margin inside every cut.

This module is the table: :data:`RULES`, in the order a report lists them. The checks
live by what they look at: :mod:`.rules_pdfx` (the document), :mod:`.rules_sheet`
(boxes, marks, safe margin, slug), :mod:`.rules_content` (fonts, colour, ink, lines,
images), :mod:`.rules_dies` (die lines) and :mod:`.rules_qr` (QR codes); what they are
handed is in :mod:`.context`, how they see an event in :mod:`.measure`.
"""

from __future__ import annotations

from .context import PROFILES, DocContext, Limits, PageContext, Profile, Rule
from .rules_content import (
    check_colour_spaces,
    check_content,
    check_fonts,
    check_hairlines,
    check_image_resolution,
    check_rich_black_text,
    check_total_ink,
    check_transparency,
)
from .rules_dies import check_die_duplicate, check_die_names, check_die_overprint, check_die_separation
from .rules_pdfx import check_document_id, check_output_intent, check_pdfx_version, check_trapped
from .rules_qr import check_qr_colour, check_qr_module, check_qr_quiet_zone, check_qr_raster
from .rules_sheet import check_boxes, check_marks, check_safe_margin, check_slug

__all__ = ["PROFILES", "RULES", "DocContext", "Limits", "PageContext", "Profile", "Rule"]

RULES: tuple[Rule, ...] = (
    Rule("pdf-syntax", 0, "the file and its content streams can be read", "page", check_content),
    Rule("pdfx-version", 5, "PDF/X identification and version header", "document", check_pdfx_version),
    Rule(
        "output-intent",
        5,
        "a PDF/X output intent naming the printing condition",
        "document",
        check_output_intent,
    ),
    Rule("document-id", 5, "the trailer /ID", "document", check_document_id),
    Rule("trapped", 5, "Trapped set True or False", "document", check_trapped),
    Rule("boxes", 2, "TrimBox and BleedBox present, nested in MediaBox, with bleed", "page", check_boxes),
    Rule("fonts-embedded", 3, "every font embedded", "page", check_fonts),
    Rule(
        "colour-space",
        4,
        "colour spaces the profile allows (no RGB in a CMYK job)",
        "page",
        check_colour_spaces,
    ),
    Rule("transparency", 0, "no transparency in X-1a", "page", check_transparency),
    Rule("die-spot-name", 6, "die lines on the exact spot names", "page", check_die_names),
    Rule("die-overprint", 6, "die lines overprint", "page", check_die_overprint),
    Rule("die-separation", 6, "die separations hold die-line strokes only", "page", check_die_separation),
    Rule("die-duplicate", 6, "each die line drawn once", "page", check_die_duplicate),
    Rule("marks", 7, "marks in registration colour, outside every trim, not too heavy", "page", check_marks),
    Rule("hairlines", 8, "no line under 0.25 pt", "page", check_hairlines),
    Rule("rich-black-text", 8, "text in K only, not rich black", "page", check_rich_black_text),
    Rule("total-ink", 8, "total ink at most 300 %", "page", check_total_ink),
    Rule("image-resolution", 4, "images of 300 ppi at their placed size", "page", check_image_resolution),
    Rule("safe-margin", 1, "text and codes inside the safe margin of every cut", "page", check_safe_margin),
    Rule("slug", 9, "a slug line outside the trim", "page", check_slug),
    Rule("qr-quiet-zone", 10, "QR codes keep a light 4-module quiet zone", "page", check_qr_quiet_zone),
    Rule("qr-module-size", 10, "QR modules of 0.5 mm (0.4 mm at least), square", "page", check_qr_module),
    Rule("qr-colour", 10, "QR codes in 100 % K", "page", check_qr_colour),
    Rule("qr-vector", 10, "QR codes as vectors, never rasterised", "page", check_qr_raster),
)
