"""Findings and reports: what is wrong, on which page, where, and what to do about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Finding", "Report", "Severity"]

Severity = Literal["error", "warning", "info"]
_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or, at ``info``, one thing worth knowing) found by one rule.

    ``page`` is 1-based (None: the document as a whole); ``count`` says how many times
    the same thing was found on that page (only the first one's place is in ``where``).
    """

    rule: str
    severity: Severity
    page: int | None
    what: str
    where: str
    fix: str
    count: int = 1

    def line(self) -> str:
        page = f"page {self.page}" if self.page is not None else "document"
        times = f" (x{self.count})" if self.count > 1 else ""
        where = f" [{self.where}]" if self.where else ""
        return f"{self.severity:<7} {page:<9} {self.rule}: {self.what}{times}{where} -> {self.fix}"


@dataclass(slots=True)
class Report:
    """The preflight of one PDF against one profile."""

    file: str
    profile: str
    pages: int = 0
    findings: list[Finding] = field(default_factory=list)
    rules: tuple[str, ...] = ()  # the rules that were checked
    exempt: str | None = None  # why print rules were not applied (a proof), if they were not

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings and notes do not fail a file)."""
        return not self.errors

    def first_error(self) -> Finding | None:
        errors = self.errors
        return errors[0] if errors else None

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.page or 0, _ORDER[f.severity], f.rule))

    def summary(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        if self.exempt:
            return f"{self.file}: {verdict} ({self.profile}): {self.exempt}"
        n_err, n_warn = len(self.errors), len(self.warnings)
        return (
            f"{self.file}: {verdict} ({self.profile}): {n_err} error{'s' * (n_err != 1)}, "
            f"{n_warn} warning{'s' * (n_warn != 1)} on {self.pages} page{'s' * (self.pages != 1)}, "
            f"{len(self.rules)} rules checked"
        )

    def format(self) -> str:
        """The report for people: a summary line, then one line per finding."""
        return "\n".join([self.summary(), *("  " + f.line() for f in self.findings)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "profile": self.profile,
            "ok": self.ok,
            "pages": self.pages,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "exempt": self.exempt,
            "rules": list(self.rules),
            "findings": [asdict(f) for f in self.findings],
        }
