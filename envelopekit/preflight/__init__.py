"""Preflight: check a PDF the way a prepress operator does, before it leaves the house.

``preflight(path_or_bytes, "x1a")`` reads the file (pypdf), checks the document
(PDF/X identification, output intent, /ID, Trapped) and walks every page's content,
Form XObjects included (:mod:`.events`), through the rules of :mod:`.rules`: boxes,
fonts, colour spaces, transparency, die lines, marks, hairlines, rich black text,
total ink, image resolution, safe margin, slug and QR codes. The :class:`Report` has
one finding per problem, each with its severity, page, what and where, and what to
do; it is ``ok`` when no finding is an error.

A proof (envelopekit ``--proof``: not PDF/X, Subject "PROOF: ...") is exempt from
print rules, and the report says so.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import IO, Any

from ..errors import EnvelopekitError
from .drawn import Box
from .events import Walker
from .report import Finding, Report, Severity
from .rules import PROFILES, RULES, DocContext, Limits, PageContext, Profile, Rule

__all__ = [
    "PROFILES",
    "RULES",
    "Finding",
    "Limits",
    "PreflightError",
    "Profile",
    "Report",
    "Rule",
    "Severity",
    "check_files",
    "preflight",
]

MAX_PAGES_PER_RULE = 10  # pages listed per rule and severity; the rest are counted in one finding


class PreflightError(EnvelopekitError):
    """A file envelopekit was about to hand over fails preflight."""


def _box(page: Any, name: str) -> Box | None:
    value = page.get(name)
    if value is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value.get_object())
    except (TypeError, ValueError):
        return None
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _is_proof(info: Any) -> str | None:
    """Why print rules do not apply (a proof, a job sheet), or None: they do."""
    subject = str(info.get("/Subject", "") or "")
    if "/GTS_PDFXVersion" in info:
        return None
    if subject.upper().startswith("PROOF"):
        return f"a proof ({subject!r}): print rules do not apply; build without --proof for print"
    if subject.upper().startswith("JOB SHEET"):
        return "the job sheet, for the people doing the job: print rules do not apply"
    return None


def preflight(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    profile: str | Profile = "x1a",
    *,
    name: str | None = None,
    limits: Limits | None = None,
    rules: Iterable[str] | None = None,
) -> Report:
    """Check one PDF (a path, bytes or a binary file) against ``profile`` ("x1a" or "x4").

    ``rules`` limits the check to the named rules (default: every rule of the profile)."""
    from pypdf import PdfReader

    prof = profile if isinstance(profile, Profile) else PROFILES.get(profile)
    if prof is None:
        raise EnvelopekitError(f"no preflight profile {profile!r}", hint="choose " + " or ".join(PROFILES))
    limits = limits or Limits()
    stream, label = _opened(source, name)
    wanted = set(rules) if rules is not None else None
    chosen = tuple(r for r in RULES if prof.name in r.profiles and (wanted is None or r.id in wanted))
    report = Report(str(label), prof.name, rules=tuple(r.id for r in chosen))
    try:
        reader = PdfReader(stream, strict=False)
        doc = _document(reader)
    except Exception as exc:
        report.findings.append(
            Finding(
                "pdf-syntax",
                "error",
                None,
                f"cannot read the file as PDF ({type(exc).__name__}: {exc})",
                "file",
                "check the file is a complete PDF",
            )
        )
        return report
    report.pages = doc.pages
    exempt = _is_proof(doc.info)
    if exempt:
        report.exempt = exempt
        report.rules = ()
        report.findings.append(
            Finding("proof", "info", None, exempt, "Info /Subject", "nothing to do for it")
        )
        return report
    collector = _Collector()
    for rule in chosen:
        if rule.scope == "document":
            collector.add_all(rule.check(doc, prof, limits))  # type: ignore[arg-type]
    _check_pages(reader, [r for r in chosen if r.scope == "page"], prof, limits, collector)
    report.findings = collector.findings()
    report.sort()
    return report


def _opened(source: str | os.PathLike[str] | bytes | IO[bytes], name: str | None) -> tuple[Any, str]:
    """What pypdf reads ``source`` from, and the name the report gives it."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), name or "(bytes)"
    if isinstance(source, str | os.PathLike):
        return os.fspath(source), name or os.fspath(source)
    return source, name or str(getattr(source, "name", "(stream)"))


def _check_pages(
    reader: Any, page_rules: list[Rule], prof: Profile, limits: Limits, collector: _Collector
) -> None:
    """Walk every page and run the page rules over its events."""
    walker = Walker(reader)
    cache: dict[Any, Any] = {}
    for number, page in enumerate(reader.pages, 1):
        try:
            events = list(walker.page(page))
        except Exception as exc:  # a page pypdf cannot even hand over
            collector.add(
                Finding(
                    "pdf-syntax",
                    "error",
                    number,
                    f"cannot read the page ({exc})",
                    "page",
                    "rewrite the file with a conforming writer",
                )
            )
            continue
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        spaces = resources.get("/ColorSpace") if hasattr(resources, "get") else None
        spaces = spaces.get_object() if spaces is not None else {}
        ctx = PageContext(
            number,
            _box(page, "/MediaBox") or (0.0, 0.0, 612.0, 792.0),
            _box(page, "/TrimBox"),
            _box(page, "/BleedBox"),
            events,
            "/DefaultRGB" in spaces,
            cache,
        )
        if len(cache) > 20000:
            cache.clear()
        for rule in page_rules:
            collector.add_all(rule.check(ctx, prof, limits))  # type: ignore[arg-type]


def _document(reader: Any) -> DocContext:
    trailer = reader.trailer
    info = trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    catalog = trailer["/Root"].get_object()
    xmp = None
    meta = catalog.get("/Metadata")
    if meta is not None:
        try:
            xmp = meta.get_object().get_data()
        except Exception:
            xmp = None
    return DocContext(
        header=str(reader.pdf_header),
        trailer=trailer,
        info=info or {},
        catalog=catalog,
        encrypted=bool(reader.is_encrypted),
        xmp=xmp,
        pages=len(reader.pages),
    )


class _Collector:
    """Merges findings: the same thing on the same page once with a count; at most
    MAX_PAGES_PER_RULE pages per rule and severity, then one finding for the rest."""

    def __init__(self) -> None:
        self._items: dict[tuple[Any, ...], Finding] = {}
        self._pages: dict[tuple[str, Severity], set[int | None]] = {}
        self._more: dict[tuple[str, Severity], dict[str, Any]] = {}

    def add_all(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def add(self, f: Finding) -> None:
        key = (f.rule, f.severity, f.page, f.what)
        hit = self._items.get(key)
        if hit is not None:
            self._items[key] = Finding(
                hit.rule, hit.severity, hit.page, hit.what, hit.where, hit.fix, hit.count + 1
            )
            return
        pages = self._pages.setdefault((f.rule, f.severity), set())
        if f.page in pages or len(pages) < MAX_PAGES_PER_RULE:
            pages.add(f.page)
            self._items[key] = f
            return
        more = self._more.setdefault((f.rule, f.severity), {"pages": set(), "count": 0, "fix": f.fix})
        more["pages"].add(f.page)
        more["count"] += f.count

    def findings(self) -> list[Finding]:
        out = list(self._items.values())
        for (rule, severity), more in self._more.items():
            pages = sorted(p for p in more["pages"] if p is not None)
            span = f"pages {pages[0]}-{pages[-1]}" if pages else "the document"
            out.append(
                Finding(
                    rule,
                    severity,
                    None,
                    f"the same on {len(pages)} more page(s)",
                    span,
                    more["fix"],
                    more["count"],
                )
            )
        return out


def check_files(files: Iterable[tuple[str, bytes]], profile: str = "x1a") -> list[Report]:
    """Preflight files about to be handed over (name, bytes); raise PreflightError naming the
    first file, page and rule that fails. Returns the reports (warnings for the caller)."""
    reports = []
    for name, data in files:
        report = preflight(data, profile, name=name)
        first = report.first_error()
        if first is not None:
            page = f" page {first.page}" if first.page is not None else ""
            more = len(report.errors) - 1
            others = f" (and {more} more error{'s' * (more != 1)})" if more else ""
            raise PreflightError(
                f"preflight ({profile}) failed: {name}{page}: {first.rule}: {first.what}"
                f"{f' [{first.where}]' if first.where else ''}{others}",
                hint=f"{first.fix}; `envelopekit preflight FILE` lists every finding",
            )
        reports.append(report)
    return reports


def describe_rules() -> str:
    """The rules, one per line: id, PRINT.md item, profiles, what it checks."""
    return "\n".join(f"{r.id:<17} item {r.item:<2} {'/'.join(r.profiles):<8} {r.title}" for r in RULES)
