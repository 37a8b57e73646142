"""Survey links: URL templates (:mod:`.template`), presets for survey tools
(:mod:`.presets`) and the per-kit link service that issues tokens (:mod:`.service`)."""

from __future__ import annotations

from .presets import PRESETS, from_preset, google_forms, limesurvey, plain, qualtrics, typeform, with_utm
from .service import Links, LinkSpec, qr_blocks
from .template import NON_PERSONAL_FIELDS, QR_ALPHANUMERIC, UrlTemplate, is_qr_alphanumeric, percent_encode

__all__ = [
    "NON_PERSONAL_FIELDS",
    "PRESETS",
    "QR_ALPHANUMERIC",
    "LinkSpec",
    "Links",
    "UrlTemplate",
    "from_preset",
    "google_forms",
    "is_qr_alphanumeric",
    "limesurvey",
    "percent_encode",
    "plain",
    "qr_blocks",
    "qualtrics",
    "typeform",
    "with_utm",
]
