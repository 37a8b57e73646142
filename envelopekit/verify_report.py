"""What ``verify`` says: its findings, its report, and the report as text.

:class:`Finding` is one problem (or, without a manifest, one decoded code) with the
file, page and record it concerns; :class:`VerifyReport` is every finding with the
counts the summary line gives; :class:`VerifyError` is input that cannot be verified
at all. Each stage of :func:`envelopekit.verify.verify` speaks in these terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import EnvelopekitError
from .terminal import printable

__all__ = ["Finding", "Level", "VerifyError", "VerifyReport", "format_report", "plural"]

Level = Literal["error", "warning", "info"]


class VerifyError(EnvelopekitError):
    """Input that cannot be verified at all: no such file, no manifest, no decoder installed."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or, without a manifest, one decoded code) with where it is."""

    level: Level
    file: str | None
    page: int | None
    record_id: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                None if self.page is None else f"page {self.page}",
                None if self.record_id is None else f"record {self.record_id}",
            )
            if part
        )
        return printable(f"{self.level:<7} {where + ': ' if where else ''}{self.message}")


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :func:`verify` found; ``ok`` is what the exit code follows."""

    findings: tuple[Finding, ...]
    files: int
    pages: int
    codes: int  # decoded
    unreadable: int
    expected: int  # codes the manifest asks for (0 without a manifest)
    matched: int  # of those, found on their record's pages
    seconds: float
    dpi: int
    manifest: Path | None
    addresses_expected: int | None = None  # address blocks the manifest lists; None: not checked
    addresses_found: int = 0  # of those, found on their record's page

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == "warning" for f in self.findings)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def format_report(report: VerifyReport) -> str:
    """One line per finding, then a summary line that starts with OK or FAILED."""
    lines = [str(f) for f in report.findings]
    checked = (
        f"{report.matched} of {report.expected} expected codes found"
        if report.manifest is not None
        else "no manifest"
    )
    if report.manifest is not None:
        checked += (
            ", addresses not checked"
            if report.addresses_expected is None
            else f", {report.addresses_found} of {plural(report.addresses_expected, 'address')} found"
        )
    lines.append(
        f"{'OK' if report.ok else 'FAILED'}: {plural(report.errors, 'error')}, "
        f"{plural(report.warnings, 'warning')}; {plural(report.files, 'file')}, "
        f"{plural(report.pages, 'page')}, {plural(report.codes, 'code')} decoded, "
        f"{report.unreadable} unreadable, {checked}; "
        f"{report.pages_per_second:.1f} pages/s at {report.dpi} dpi"
    )
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    """``n word`` with the word in the plural unless ``n`` is 1: 1 page, 2 addresses."""
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"
